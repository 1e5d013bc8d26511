"""`lists update`: downloads from a local HTTP server and file:// URLs (never the internet), retries,
and refusal of failed, truncated or wrong downloads with the last good version kept."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from dualcheck.db.engine import Database
from dualcheck.lists.store import current_versions, list_versions
from dualcheck.lists.update import ListSource, read_sources, update_list

OFAC_SET = Path(__file__).parent / "fixtures" / "lists" / "ofac_set"
SET_FILES = ["sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"]


class Server:
    """Serves fixture bytes by path; `failures[path]` answers 503 that many times first."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {f"/{n}": (OFAC_SET / n).read_bytes() for n in SET_FILES}
        self.failures: dict[str, int] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if server.failures.get(self.path, 0) > 0:
                    server.failures[self.path] -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                body = server.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                if body is not None:  # the content of these files carries no date: the server's dates them
                    self.send_header("Last-Modified", "Tue, 02 Jan 2024 08:00:00 GMT")
                self.end_headers()
                self.wfile.write(body or b"not found")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def source(self, *names: str) -> ListSource:
        return ListSource("us-ofac-sdn", [f"{self.url}/{n}" for n in (names or SET_FILES)], min_bytes=50)


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.httpd.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _update(db: Database, source: ListSource, tmp_path: Path):  # type: ignore[no-untyped-def]
    return update_list(db, source, tmp_path / "downloads", actor="tester", timeout=5, retries=3, backoff=0)


def test_download_loads_a_version_and_again_is_unchanged(sqlite_db: Database, server: Server,
                                                          tmp_path: Path) -> None:
    first = _update(sqlite_db, server.source(), tmp_path)
    assert first.ok and first.load is not None and first.load.entities == 3 and first.load.status == "loaded"
    again = _update(sqlite_db, server.source(), tmp_path)
    assert again.ok and again.load is not None and again.load.status == "unchanged"


def test_transient_errors_are_retried(sqlite_db: Database, server: Server, tmp_path: Path) -> None:
    server.failures["/sdn.csv"] = 2
    result = _update(sqlite_db, server.source(), tmp_path)
    assert result.ok, result.detail
    assert server.hits["/sdn.csv"] == 3


def _assert_kept(db: Database, version_id: int) -> None:
    with db.session() as session:
        assert [v.id for v in list_versions(session)] == [version_id]
        assert current_versions(session)["us-ofac-sdn"]["version"] == version_id


@pytest.mark.parametrize("fault", ["missing", "always_503", "truncated", "html", "too_small"])
def test_failed_or_truncated_download_never_replaces_the_last_good_version(
        fault: str, sqlite_db: Database, server: Server, tmp_path: Path) -> None:
    good = _update(sqlite_db, server.source(), tmp_path)
    assert good.ok and good.load is not None and good.load.version_id is not None
    source = server.source()
    if fault == "missing":
        source.urls[1] = f"{server.url}/gone.csv"
        expected = "HTTP 404"
    elif fault == "always_503":
        server.failures["/sdn.csv"] = 99
        expected = "HTTP 503"
    elif fault == "truncated":  # ends cleanly after the first row: parses, but two of three entities are gone
        server.files["/sdn.csv"] = server.files["/sdn.csv"].split(b"\r\n")[0] + b"\r\n"
        source.min_bytes = 10
        expected = "refused as truncated"
    elif fault == "html":
        server.files["/sdn.csv"] = b"<!DOCTYPE html><html><body>Service unavailable" + b" " * 100 + b"</body></html>"
        expected = "HTML page"
    else:
        source.min_bytes = 2000
        expected = "bytes downloaded (expected at least 2000)"
    result = _update(sqlite_db, source, tmp_path)
    assert not result.ok and expected in result.detail
    _assert_kept(sqlite_db, good.load.version_id)


def test_cli_update_from_file_urls(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    urls = "\n".join(f"      - {(OFAC_SET / n).resolve().as_uri()}" for n in SET_FILES)
    sources.write_text(f"sources:\n  us-ofac-sdn:\n    min_bytes: 50\n    urls:\n{urls}\n"
                       f"  un-sc:\n    urls:\n      - {(tmp_path / 'missing.xml').as_uri()}\n")
    assert [s.name for s in read_sources(sources)] == ["us-ofac-sdn", "un-sc"]
    env = {**os.environ, "DUALCHECK_HOME": str(tmp_path / "home")}
    env.pop("DUALCHECK_DATABASE_URL", None)
    run = subprocess.run([sys.executable, "-m", "dualcheck", "lists", "update", "--sources", str(sources),
                          "--format", "json"], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1, run.stderr  # one list failed
    rows = {row["list"]: row for row in json.loads(run.stdout)["updates"]}
    assert rows["us-ofac-sdn"]["ok"] and rows["us-ofac-sdn"]["entities"] == 3
    assert not rows["un-sc"]["ok"] and "cannot read" in rows["un-sc"]["detail"]


def test_default_sources_name_only_known_lists() -> None:
    names = {s.name for s in read_sources()}
    assert names <= {"us-ofac-sdn", "us-ofac-nonsdn", "us-csl", "us-bis-dpl", "un-sc", "gb-ofsi", "eu-fsf", "ca-sema"}
    assert all(url.startswith("https://") for s in read_sources() for url in s.urls)


def test_an_undated_download_takes_the_servers_date_and_without_one_is_refused(
        sqlite_db: Database, server: Server, tmp_path: Path) -> None:
    result = _update(sqlite_db, server.source(), tmp_path)
    assert result.ok and result.load is not None and result.load.published == "2024-01-02"
    server.files = {k: v.replace(b"SDN", b"SDN ") for k, v in server.files.items()}  # a new version, no date
    silent = Server()
    silent.files = {k: v + b"\n" for k, v in server.files.items()}
    handler = silent.httpd.RequestHandlerClass
    original = handler.send_header

    def without_date(self, keyword: str, value: str) -> None:  # type: ignore[no-untyped-def]
        if keyword != "Last-Modified":
            original(self, keyword, value)

    handler.send_header = without_date  # type: ignore[method-assign]
    thread = threading.Thread(target=silent.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        refused = _update(sqlite_db, silent.source(), tmp_path)
    finally:
        silent.httpd.shutdown()
        silent.httpd.server_close()
    assert not refused.ok and "no publication date" in refused.detail
