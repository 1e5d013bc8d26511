"""The evidence pack's offline verifier: each check report against its proven ledger record, hold
included; a changed report, a removed record and a swapped key are caught."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cli_support import run_cli
from dualcheck.check.service import run_check
from dualcheck.db.engine import Database
from dualcheck.ledger.offline import checkpoint_statement, key_id_of, read_pack, verify_pack
from dualcheck.licences.evidence import build_evidence_pack
from dualcheck.rules import RuleSet
from test_check_service import LISTED_NAME, _transaction, loaded_db, loaded_template, rules

__all__ = ["loaded_db", "loaded_template", "rules"]


@pytest.fixture
def pack(loaded_db: Database, rules: RuleSet, data_dir: Path) -> dict[str, bytes]:
    # an Annex I item to Russia (Regulation 833/2014 Art. 2): prohibited, and held
    doc = _transaction(destination="RU", parties=[{"role": "consignee", "name": LISTED_NAME, "country": "RU"}])
    result = run_check(loaded_db, doc, rules, data_dir, actor="test")
    assert result["outcome"] == "PROHIBITED" and result["hold"]["status"] == "held"
    run_check(loaded_db, _transaction(), rules, data_dir, actor="test")  # a second, cleared check
    with loaded_db.write_session() as session:
        data, manifest = build_evidence_pack(session, transaction_id="T-SERVICE-1", actor="auditor")
    assert [c["matches_ledger"] for c in manifest["checks"]] == [True, True]
    return read_pack_bytes(data)


def read_pack_bytes(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _key(files: dict[str, bytes]) -> bytes:
    return files["ledger-public-key.pem"]


def _reseal(files: dict[str, bytes]) -> None:
    """What a forger who rewrote a file would do: update the manifest's hashes to match."""
    manifest = json.loads(files["manifest.json"])
    manifest["files"] = {n: hashlib.sha256(b).hexdigest() for n, b in files.items() if n != "manifest.json"}
    files["manifest.json"] = json.dumps(manifest).encode()


@pytest.mark.xdist_group("check_loaded")
def test_intact_pack_verifies_with_the_hold_in_the_hashed_report(pack: dict[str, bytes]) -> None:
    result = verify_pack(pack, _key(pack))
    assert result.ok, result.summary()
    assert any("2 check reports match" in n for n in result.notes)
    held = [json.loads(pack[n]) for n in sorted(pack) if n.startswith("checks/") and n.endswith(".json")]
    assert [r.get("hold", {}).get("status") for r in held] == ["held", None]


@pytest.mark.xdist_group("check_loaded")
def test_a_changed_report_fails_even_with_a_resealed_manifest(pack: dict[str, bytes]) -> None:
    name = "checks/check-001.json"
    report = json.loads(pack[name])
    report["hold"]["status"] = "released"  # the hold is part of what the ledger proves
    pack[name] = json.dumps(report, sort_keys=True, separators=(",", ":")).encode()
    result = verify_pack(dict(pack), _key(pack))
    assert not result.ok and "differs from its SHA-256 in manifest.json" in str(result.reason)
    _reseal(pack)
    result = verify_pack(pack, _key(pack))
    assert not result.ok and result.reason == f"{name} does not match the result_sha256 of its ledger record"
    assert result.first_bad_seq is not None


@pytest.mark.xdist_group("check_loaded")
def test_a_removed_check_record_fails(pack: dict[str, bytes]) -> None:
    export = json.loads(pack["ledger-export.json"])
    export["records"] = [r for r in export["records"] if r["kind"] != "check" or
                         json.loads(r["payload"])["check_id"] != json.loads(pack["checks/check-002.json"])["check_id"]]
    pack["ledger-export.json"] = json.dumps(export).encode()
    _reseal(pack)
    result = verify_pack(pack, _key(pack))
    assert not result.ok and "checks/check-002.json: no proven ledger record of check" in str(result.reason)


@pytest.mark.xdist_group("check_loaded")
def test_a_swapped_key_fails(pack: dict[str, bytes]) -> None:
    trusted = _key(pack)
    forger = Ed25519PrivateKey.generate()
    forged_pem = forger.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    assert "not by the trusted key" in str(verify_pack(pack, forged_pem).reason)
    # a forger re-signs the checkpoint with their own key and ships that key in the pack
    export = json.loads(pack["ledger-export.json"])
    cp = export["checkpoint"]
    cp["key_id"] = key_id_of(forger.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    statement = checkpoint_statement(cp["seq"], cp["head_hash"], cp["merkle_root"], cp["created_at"], cp["key_id"])
    cp["signature"] = base64.b64encode(forger.sign(statement)).decode()
    export["public_key"] = forged_pem.decode()
    pack["ledger-export.json"], pack["ledger-public-key.pem"] = json.dumps(export).encode(), forged_pem
    _reseal(pack)
    assert verify_pack(pack).ok  # consistent in itself: only the trusted key tells
    result = verify_pack(pack, trusted)
    assert not result.ok and "not by the trusted key" in str(result.reason)


@pytest.mark.xdist_group("check_loaded")
def test_verifier_runs_standalone_and_from_the_cli(pack: dict[str, bytes], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    folder = tmp_path / "pack"
    for name, data in pack.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    assert read_pack(folder) == pack
    ok = subprocess.run([sys.executable, str(folder / "verify_export.py"), str(folder), "--public-key",
                         str(folder / "ledger-public-key.pem")], capture_output=True, text=True, cwd=tmp_path)
    assert ok.returncode == 0 and "export intact" in ok.stdout, ok.stderr
    zipped = tmp_path / "pack.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name, data in pack.items():
            zf.writestr(name, data)
    code, out, _ = run_cli(capsys, "evidence", "verify", str(zipped), "--public-key",
                           str(folder / "ledger-public-key.pem"))
    assert code == 0 and "export intact" in out
    (folder / "checks" / "check-001.json").write_text("{}")
    bad = subprocess.run([sys.executable, str(folder / "verify_export.py"), str(folder)], capture_output=True,
                         text=True, cwd=tmp_path)
    assert bad.returncode == 1 and "checks/check-001.json" in bad.stderr
    code, _, err = run_cli(capsys, "evidence", "verify", str(tmp_path / "missing.zip"))
    assert code == 2 and "missing.zip" in err
