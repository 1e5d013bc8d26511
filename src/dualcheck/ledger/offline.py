"""Verify a ledger export offline: no database, no server, nothing but this file.

This module is deliberately standalone (Python standard library plus ``cryptography``) so that it
can travel inside an evidence pack as ``verify_export.py`` and an auditor can read all of it
before running ``python verify_export.py ledger-export.json --public-key ledger-public-key.pem``.

What it checks, for an export document (format ``dualcheck-ledger-export/1``):
1. every record's hash is recomputed from its content (header fields and canonical JSON payload);
2. consecutive records (seq n and n+1) are linked by ``prev_hash``;
3. every record's hash is included, by its Merkle audit path (RFC 9162, SHA-256), in the Merkle
   root of the checkpoint;
4. the checkpoint statement (record count, head hash, Merkle root, time, key id) carries a valid
   Ed25519 signature by the public key the auditor trusts (given separately; the key embedded in
   the export is only used when none is given, and the report says so).
The first failure is named by the record's sequence number.

For a whole evidence pack (the ZIP or its unpacked folder), ``verify_pack`` also checks every file
against ``manifest.json`` and every check report ``checks/*.json`` against the ``result_sha256`` of
its ``check`` record in the proven ledger slice (the report as answered, hold included): a changed
report, a removed record or a checkpoint signed by another key all fail.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

EXPORT_FORMAT = "dualcheck-ledger-export/1"
CHECKPOINT_FORMAT = "dualcheck-checkpoint/1"


def canonical(value: Any) -> str:
    """The ledger's canonical JSON for plain JSON values (keys sorted, compact, UTF-8)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def record_hash_hex(seq: int, record_id: str, kind: str, actor: str, created_at: str, subject: str | None,
                    payload: str, prev_hash: str) -> str:
    """SHA-256 over the canonical header, a newline and the payload exactly as stored."""
    header = canonical({"seq": seq, "record_id": record_id, "kind": kind, "actor": actor,
                        "created_at": created_at, "subject": subject, "prev_hash": prev_hash})
    return hashlib.sha256((header + "\n" + payload).encode("utf-8")).hexdigest()


def leaf_hash(record_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(record_hash)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_audit_path(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2: the root implied by a leaf and its audit path, or None if malformed."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def key_id_of(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


def checkpoint_statement(seq: int, head_hash: str, merkle_root: str, created_at: str, key_id: str) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return canonical({"format": CHECKPOINT_FORMAT, "seq": seq, "head_hash": head_hash,
                      "merkle_root": merkle_root, "created_at": created_at, "key_id": key_id}).encode("utf-8")


def load_public_key(pem: bytes) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    key = load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def raw_public_bytes(key: Any) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    raw: bytes = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw


def signature_valid(public_key: Any, signature_b64: str, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        public_key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass
class ExportVerification:
    ok: bool
    records: int
    checkpoint_seq: int | None = None
    key_id: str | None = None
    first_bad_seq: int | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.ok:
            return (f"export intact: {self.records} records proven against checkpoint {self.checkpoint_seq} "
                    f"signed by key {self.key_id}")
        where = f"record {self.first_bad_seq}" if self.first_bad_seq is not None else "export"
        return f"export broken at {where}: {self.reason}"


def _fail(count: int, seq: int | None, reason: str) -> ExportVerification:
    return ExportVerification(False, count, first_bad_seq=seq, reason=reason)


def _check_checkpoint(doc: dict[str, Any], trusted_pem: bytes | None) -> tuple[str | None, list[str], str]:
    """(error or None, notes, key id) for the export's checkpoint."""
    cp = doc["checkpoint"]
    notes: list[str] = []
    if trusted_pem is None:
        trusted_pem = str(doc.get("public_key", "")).encode()
        notes.append("no trusted public key given: used the key embedded in the export; compare its key id "
                     "with the one the exporter published")
    try:
        public_key = load_public_key(trusted_pem)
    except ValueError as exc:
        return f"public key unusable ({exc})", notes, ""
    key_id = key_id_of(raw_public_bytes(public_key))
    if cp["key_id"] != key_id:
        return f"checkpoint was signed by key {cp['key_id']}, not by the trusted key {key_id}", notes, key_id
    statement = checkpoint_statement(cp["seq"], cp["head_hash"], cp["merkle_root"], cp["created_at"], cp["key_id"])
    if not signature_valid(public_key, cp["signature"], statement):
        return f"checkpoint {cp['seq']} signature does not verify", notes, key_id
    return None, notes, key_id


def verify_export(doc: dict[str, Any], trusted_pem: bytes | None = None) -> ExportVerification:
    """Check an export document; see the module docstring for what is checked."""
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        return _fail(0, None, f"not a {EXPORT_FORMAT} document")
    try:
        cp = doc["checkpoint"]
        records = doc["records"]
        size, root = int(cp["seq"]), bytes.fromhex(cp["merkle_root"])
    except (KeyError, TypeError, ValueError):
        return _fail(0, None, "checkpoint or records missing or malformed")
    error, notes, key_id = _check_checkpoint(doc, trusted_pem)
    if error:
        return _fail(0, int(cp.get("seq", 0)), error)
    previous: dict[str, Any] | None = None
    count = 0
    for rec in records:
        try:
            seq = int(rec["seq"])
            actual = record_hash_hex(seq, rec["record_id"], rec["kind"], rec["actor"], rec["created_at"],
                                     rec["subject"], rec["payload"], rec["prev_hash"])
            json.loads(rec["payload"])
            proof = rec["proof"]
            path = [bytes.fromhex(h) for h in proof["audit_path"]]
        except (KeyError, TypeError, ValueError):
            return _fail(count, rec.get("seq") if isinstance(rec, dict) else None, "record malformed")
        if previous is not None and seq <= previous["seq"]:
            return _fail(count, seq, "records out of order")
        if actual != rec["hash"]:
            return _fail(count, seq, "content does not match its hash (altered)")
        if previous is not None and seq == previous["seq"] + 1 and rec["prev_hash"] != previous["hash"]:
            return _fail(count, seq, "previous-hash link does not match the record before")
        if seq > size or int(proof.get("leaf_index", -1)) != seq - 1 or int(proof.get("tree_size", -1)) != size:
            return _fail(count, seq, "proof does not refer to this record and checkpoint")
        if root_from_audit_path(seq - 1, size, leaf_hash(actual), path) != root:
            return _fail(count, seq, "Merkle audit path does not lead to the signed checkpoint root")
        if seq == size and actual != cp["head_hash"]:
            return _fail(count, seq, "record differs from the checkpoint's head hash")
        previous, count = rec, count + 1
    return ExportVerification(True, count, checkpoint_seq=size, key_id=key_id, notes=notes)


def read_pack(path: str | Path) -> dict[str, bytes]:
    """The files of an evidence pack, from its ZIP or its unpacked folder (name -> bytes)."""
    path = Path(path)
    if path.is_dir():
        return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}


def verify_pack(files: dict[str, bytes], trusted_pem: bytes | None = None) -> ExportVerification:
    """Check an evidence pack: the ledger slice (as ``verify_export``), the manifest's file hashes,
    and each check report against the hash in its proven ledger record."""
    try:
        manifest = json.loads(files["manifest.json"])
        export = json.loads(files["ledger-export.json"])
    except (KeyError, ValueError):
        return _fail(0, None, "manifest.json or ledger-export.json missing or not JSON")
    result = verify_export(export, trusted_pem)
    if not result.ok:
        return result
    listed = manifest.get("files", {}) if isinstance(manifest, dict) else {}
    for name, data in sorted(files.items()):
        if name == "manifest.json":
            continue
        if name not in listed:
            return _fail(result.records, None, f"{name} is not listed in manifest.json")
        if hashlib.sha256(data).hexdigest() != listed[name]:
            return _fail(result.records, None, f"{name} differs from its SHA-256 in manifest.json")
    missing = sorted(set(listed) - set(files))
    if missing:
        return _fail(result.records, None, f"{missing[0]} is listed in manifest.json but missing")
    proven: dict[str, tuple[int, str]] = {}
    for rec in export.get("records", []):
        if rec.get("kind") == "check":
            payload = json.loads(rec["payload"])
            proven[str(payload.get("check_id"))] = (int(rec["seq"]), str(payload.get("result_sha256")))
    reports = sorted(n for n in files if n.startswith("checks/") and n.endswith(".json"))
    for name in reports:
        try:
            check_id = str(json.loads(files[name])["check_id"])
        except (ValueError, KeyError, TypeError):
            return _fail(result.records, None, f"{name}: not a check report")
        if check_id not in proven:
            return _fail(result.records, None, f"{name}: no proven ledger record of check {check_id}")
        seq, expected = proven[check_id]
        if hashlib.sha256(files[name]).hexdigest() != expected:
            return _fail(result.records, seq, f"{name} does not match the result_sha256 of its ledger record")
    result.notes.append(f"{len(reports)} check reports match their ledger records; "
                        f"{len(listed)} files match manifest.json")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Verify a dualcheck ledger export, or a whole evidence pack "
                                                 "(ZIP or unpacked folder), offline.")
    parser.add_argument("export", help="ledger export JSON file, or evidence pack (.zip or folder)")
    parser.add_argument("--public-key", help="the exporter's Ed25519 public key (PEM) you trust")
    args = parser.parse_args(argv)
    try:
        trusted = open(args.public_key, "rb").read() if args.public_key else None  # noqa: SIM115
        if Path(args.export).is_dir() or zipfile.is_zipfile(args.export):
            result = verify_pack(read_pack(args.export), trusted)
        else:
            with open(args.export, encoding="utf-8") as fh:
                result = verify_export(json.load(fh), trusted)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        sys.stderr.write(f"verify_export: {exc}\n")
        return 2
    for note in result.notes:
        sys.stderr.write(f"note: {note}\n")
    (sys.stdout if result.ok else sys.stderr).write(result.summary() + "\n")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
