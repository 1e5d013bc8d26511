"""`make test` starts its own throw-away PostgreSQL server where none answers, and stops it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "with-postgres.sh"

PROBE = """
import os, psycopg
url = os.environ["DUALCHECK_TEST_DATABASE_URL"]
with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
    conn.execute("CREATE TABLE t (x int)")
print(url.rsplit(":", 1)[1].split("/")[0])
"""


def test_own_server_is_started_used_and_stopped() -> None:
    env = {**os.environ, "DUALCHECK_TEST_OWN_POSTGRES": "1"}
    env.pop("DUALCHECK_TEST_DATABASE_URL", None)
    r = subprocess.run([str(SCRIPT), sys.executable, "-c", PROBE],
                       capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "started a throw-away PostgreSQL server" in r.stderr
    port = int(r.stdout.strip())
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port)) != 0, "the throw-away server must be stopped afterwards"


def test_exit_code_of_the_command_is_kept() -> None:
    env = {**os.environ, "DUALCHECK_TEST_DATABASE_URL": "postgresql+psycopg://x@127.0.0.1:1/x"}
    r = subprocess.run([str(SCRIPT), "sh", "-c", "exit 7"], env=env, timeout=60)
    assert r.returncode == 7
