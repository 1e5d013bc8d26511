"""Exports: a slice of the ledger that an auditor verifies offline against a signed checkpoint."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger.export import Selection, export_slice
from dualcheck.ledger.keys import signing_key
from dualcheck.ledger.offline import verify_export
from ledger_support import fill, ledger_env, run_cli

__all__ = ["ledger_env"]


def _export(db: Database, selection: Selection) -> dict[str, Any]:
    with db.write_session() as s:
        return export_slice(s, selection)


def test_transaction_slice_verifies_offline_and_names_tampering(any_db: Database,
                                                                  ledger_env: pytest.MonkeyPatch) -> None:
    fill(any_db, 11)
    doc = _export(any_db, Selection(subject="tx-1"))
    assert [r["seq"] for r in doc["records"]] == [2, 6, 10]
    trusted = signing_key().public_pem.encode()
    result = verify_export(doc, trusted)
    assert result.ok and result.records == 3 and result.checkpoint_seq == 11, result.summary()

    altered = copy.deepcopy(doc)
    altered["records"][1]["payload"] = altered["records"][1]["payload"].replace("Acme", "Acme Ltd")
    bad = verify_export(altered, trusted)
    assert not bad.ok and bad.first_bad_seq == 6 and "altered" in (bad.reason or "")

    rehashed = copy.deepcopy(altered)  # recomputing the record hash does not help: the Merkle proof fails
    from dualcheck.ledger.offline import record_hash_hex
    rec = rehashed["records"][1]
    rec["hash"] = record_hash_hex(rec["seq"], rec["record_id"], rec["kind"], rec["actor"], rec["created_at"],
                                  rec["subject"], rec["payload"], rec["prev_hash"])
    bad = verify_export(rehashed, trusted)
    assert not bad.ok and bad.first_bad_seq == 6 and "Merkle" in (bad.reason or "")

    reordered = copy.deepcopy(doc)
    reordered["records"].reverse()
    assert verify_export(reordered, trusted).first_bad_seq == 6


def test_export_against_another_key_fails(any_db: Database, ledger_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fill(any_db, 3)
    doc = _export(any_db, Selection(subject="tx-0"))
    stranger = signing_key(tmp_path / "stranger.pem").public_pem.encode()
    result = verify_export(doc, stranger)
    assert not result.ok and "not by the trusted key" in (result.reason or "")
    embedded = verify_export(doc)  # without a trusted key the embedded one is used, and the notes say so
    assert embedded.ok and embedded.notes


def test_counterparty_and_date_range_selection(any_db: Database, ledger_env: pytest.MonkeyPatch) -> None:
    fill(any_db, 7)
    doc = _export(any_db, Selection(counterparty="müller gmbh"))
    assert [r["seq"] for r in doc["records"]] == [1, 4, 7]
    import datetime as dt
    now = dt.datetime.now(dt.UTC)
    everything = _export(any_db, Selection(since=now - dt.timedelta(days=1), until=now + dt.timedelta(days=1)))
    assert [r["seq"] for r in everything["records"]] == list(range(1, 8))
    assert verify_export(everything, signing_key().public_pem.encode()).ok
    with pytest.raises(BadInput):
        _export(any_db, Selection())


def test_cli_export_public_key_and_verify_export(sqlite_db: Database, tmp_path: Path, ledger_env: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    ledger_env.setenv("DUALCHECK_DATABASE_URL", sqlite_db.url)

    def _cli(*args: str, home: Path, db: Database) -> subprocess.CompletedProcess[str]:
        code, out, err = run_cli(capsys, *args)
        return subprocess.CompletedProcess(args, code, out, err)

    home = Path(os.environ["DUALCHECK_HOME"])
    fill(sqlite_db, 5)
    out = tmp_path / "slice.json"
    pem = tmp_path / "public.pem"
    assert _cli("ledger", "export", "--transaction", "tx-0", "-o", str(out), home=home, db=sqlite_db).returncode == 0
    assert _cli("ledger", "public-key", "-o", str(pem), home=home, db=sqlite_db).returncode == 0
    ok = _cli("ledger", "verify-export", str(out), "--public-key", str(pem), home=home, db=sqlite_db)
    assert ok.returncode == 0 and ok.stdout.startswith("export intact: 2 records"), ok.stderr
    doc = json.loads(out.read_text())
    doc["records"][0]["actor"] = "mallory"
    out.write_text(json.dumps(doc))
    # the standalone verifier (shipped in evidence packs) needs no dualcheck install and no database
    offline = Path(__file__).resolve().parents[1] / "src" / "dualcheck" / "ledger" / "offline.py"
    r = subprocess.run([sys.executable, "-I", str(offline), str(out), "--public-key", str(pem)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "record 1" in r.stderr, r.stderr
    r = _cli("ledger", "verify-export", str(out), home=home, db=sqlite_db)
    assert r.returncode == 1 and "record 1" in r.stderr
    r = _cli("ledger", "verify", home=home, db=sqlite_db)
    assert r.returncode == 0 and "1 signed checkpoints verified" in r.stdout
    r = _cli("ledger", "verify-export", str(tmp_path / "missing.json"), home=home, db=sqlite_db)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1


FIELDS = ("seq", "record_id", "kind", "actor", "created_at", "subject", "payload", "prev_hash", "hash")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_single_change_to_an_export_is_caught(sqlite_db: Database, ledger_env: pytest.MonkeyPatch,
                                                  data: st.DataObject) -> None:
    global _EXPORT  # one export for all examples: building it is the slow part
    if _EXPORT is None:
        fill(sqlite_db, 9)
        _EXPORT = (_export(sqlite_db, Selection(subject="tx-2")), signing_key().public_pem.encode())
    doc, key = copy.deepcopy(_EXPORT[0]), _EXPORT[1]
    index = data.draw(st.integers(0, len(doc["records"]) - 1))
    field = data.draw(st.sampled_from([*FIELDS, "audit_path"]))
    record = doc["records"][index]
    if field == "audit_path":
        path = record["proof"]["audit_path"]
        pos = data.draw(st.integers(0, len(path) - 1))
        path[pos] = ("0" if path[pos][0] != "0" else "1") + path[pos][1:]
    elif field == "seq":
        record["seq"] += data.draw(st.sampled_from([-1, 1, 100]))
    else:
        old = record[field]
        new = data.draw(st.text(min_size=1, max_size=8))
        if field == "payload":
            record[field] = old[:-1] + f',"x":{json.dumps(new)}}}'
        else:
            record[field] = new if old is None else old[:-1] + new
        assume(record[field] != old)  # replacing the last character by itself is no change
    result = verify_export(doc, key)
    assert not result.ok, (field, index)
    assert result.first_bad_seq is not None


_EXPORT: tuple[dict[str, Any], bytes] | None = None
