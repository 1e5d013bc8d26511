"""End to end on the command line: licences, a real check that holds the transaction, use, release,
and an evidence pack that verifies offline with nothing but its own verifier."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ledger_support import run_cli
from licences_support import FIXTURES


def _subprocess(*args: str, home: Path, actor: str = "tester") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DUALCHECK_HOME": str(home), "DUALCHECK_ACTOR": actor}
    env.pop("DUALCHECK_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "dualcheck", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.mark.slow
def test_licence_check_hold_use_release_and_evidence_pack(tmp_path: Path, data_dir: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    def _run(*args: str, home: Path, actor: str = "tester") -> subprocess.CompletedProcess[str]:
        code, out, err = run_cli(capsys, *args, actor=actor)
        return subprocess.CompletedProcess(args, code, out, err)

    home = tmp_path / "home"
    r = _run("licences", "add", str(FIXTURES / "licences.yaml"), str(FIXTURES / "registrations.yaml"), home=home)
    assert r.returncode == 0 and r.stdout.startswith("4 licences stored"), r.stderr
    r = _run("check", str(FIXTURES / "transaction.json"), "--format", "json", home=home)
    assert r.returncode == 0, r.stderr
    check = json.loads(r.stdout)
    assert check["outcome"] in ("LICENCE_REQUIRED", "NEEDS_INFORMATION", "PROHIBITED")
    r = _run("holds", "list", "--format", "json", home=home)
    held = json.loads(r.stdout)["holds"]
    assert [h["transaction_id"] for h in held] == ["TX-TEST-1"] and held[0]["check_id"] == check["check_id"]

    r = _run("licences", "use", str(FIXTURES / "transaction.json"), home=home)
    assert r.returncode == 0, r.stderr
    assert [c["licence"] for c in json.loads(r.stdout)["charges"]] == ["TEST-GLOB-0002", "TEST-IND-0001",
                                                                        "TEST-IND-0001"]
    role = "compliance_manager"  # the role that decides holds, whatever the outcome
    r = _run("holds", "release", held[0]["id"], "--role", role, "--reason", "licence charged", home=home, actor="alice")
    assert r.returncode == 1 and "does not hold the role" in r.stderr and len(r.stderr.splitlines()) == 1
    assert _run("holds", "grant", "alice", role, home=home).returncode == 0
    r = _run("holds", "release", held[0]["id"], "--role", role, "--reason", "licence charged", home=home, actor="alice")
    assert r.returncode == 0, r.stderr

    big = json.loads((FIXTURES / "transaction.json").read_text())
    big["id"], big["items"] = "TX-TEST-2", big["items"][:1]
    big["items"][0]["quantity"] = 500
    (tmp_path / "big.json").write_text(json.dumps(big))
    r = _run("licences", "use", str(tmp_path / "big.json"), home=home)
    assert r.returncode == 1 and "no usable licence balance" in r.stderr and len(r.stderr.splitlines()) == 1

    pack = tmp_path / "pack.zip"
    r = _run("evidence", "pack", "--transaction", "TX-TEST-1", "-o", str(pack), home=home)
    assert r.returncode == 0, r.stderr
    _run("ledger", "public-key", "-o", str(tmp_path / "published.pem"), home=home)
    out = tmp_path / "unpacked"
    with zipfile.ZipFile(pack) as zf:
        zf.extractall(out)
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    assert manifest["checks"] and all(c["matches_ledger"] for c in manifest["checks"])
    assert {"checks/check-001.json", "checks/check-001.html", "holds.json", "licence_use.json", "index.html",
            "screening.json"} <= set(manifest["files"])
    kinds = [rec["kind"] for rec in json.loads((out / "ledger-export.json").read_text())["records"]]
    assert {"check", "hold.place", "licence.use", "hold.release"} <= set(kinds)
    # the auditor's side: only Python, the pack's own verifier and the separately published key
    r = subprocess.run([sys.executable, "-I", "verify_export.py", "ledger-export.json", "--public-key",
                        str(tmp_path / "published.pem")], capture_output=True, text=True, cwd=out, timeout=60)
    assert r.returncode == 0 and r.stdout.startswith("export intact"), r.stderr
    assert _run("ledger", "verify", home=home).returncode == 0


def test_bad_licence_file_is_one_line_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("reference: X\nkind: individual\nauthority: A\nvalid_from: 2026-13-01\n")
    r = _subprocess("licences", "add", str(bad), home=tmp_path / "home")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert str(bad) in r.stderr and "valid_from" in r.stderr
