"""Every runnable example of README.md and docs/*.md runs, so the guides cannot drift from the product.

A fenced block whose info string is ``sh runnable`` is run with bash (``set -euo pipefail``) in a
folder laid out like a checkout (``tests/``, ``benchmarks/`` and ``../shared/data`` reachable as in
the guides), with ``DUALCHECK_HOME`` a fresh copy of a home loaded with the real UN list and the EU
and US control lists. When the block uses ``$DUALCHECK_URL``, a server is started for it on a free
loopback port on that home, and ``$TOKEN`` (a compliance manager of the tenant ``default``) and
``$ADMIN_TOKEN`` (an admin of that tenant) are tokens the test created. ``sh runnable skip=REASON``
marks an example that needs what a test machine lacks (a cluster, the publishers' servers): it is
reported as skipped with REASON. The convention is described in docs/examples.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dualcheck.api.bench import local_server
from dualcheck.auth.service import add_user, create_token
from dualcheck.config import reset_settings_cache
from dualcheck.db.engine import Database, forget_databases
from web_support import LISTED_NAME, PASSWORD, build_loaded_home, cli

ROOT = Path(__file__).resolve().parents[1]
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)(?P<info>.*)$")
TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Example:
    path: Path
    line: int  # line of the opening fence, 1-based
    info: str
    code: str

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    @property
    def runnable(self) -> bool:
        words = self.info.split()
        return len(words) >= 2 and words[0] in ("sh", "bash") and words[1] == "runnable"

    @property
    def skip_reason(self) -> str | None:
        match = re.search(r"\bskip=(.+)$", self.info)
        return match.group(1).strip() if match else None


def fenced_blocks(path: Path, text: str | None = None) -> list[Example]:
    """Every fenced code block of a Markdown file, with the line of its opening fence."""
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    blocks: list[Example] = []
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: code block is never closed")
        blocks.append(Example(path, i + 1, info, "\n".join(body) + "\n"))
        i = j + 1
    return blocks


def runnable_examples() -> list[Example]:
    return [block for guide in GUIDES for block in fenced_blocks(guide) if block.runnable]


EXAMPLES = runnable_examples()


def test_the_extractor_finds_blocks_with_their_lines_indented_or_not() -> None:
    text = ("# t\n\n```sh runnable\necho one\n```\n\n1. a step\n\n   ```sh runnable skip=needs a cluster\n"
            "   echo two\n   ```\n\n```json\n{}\n```\n")
    blocks = fenced_blocks(ROOT / "README.md", text)
    assert [(b.line, b.runnable, b.skip_reason, b.code) for b in blocks] == [
        (3, True, None, "echo one\n"), (9, True, "needs a cluster", "echo two\n"), (13, False, None, "{}\n")]
    with pytest.raises(ValueError, match=re.escape("README.md:1: code block is never closed")):
        fenced_blocks(ROOT / "README.md", "```sh runnable\necho\n")


def test_each_guide_has_runnable_examples() -> None:
    have = {e.path.name for e in EXAMPLES}
    for name in ("README.md", "officer-guide.md", "operations.md", "api.md", "auditing.md"):
        assert name in have, f"{name} has no `sh runnable` example"


@pytest.fixture(scope="module")
def loaded_home(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[dict[str, str]]:
    """A home with the UN list and the control lists, its screening index built, and two tokens."""
    home = tmp_path_factory.mktemp("docs-home") / "home"
    database = build_loaded_home(home, data_dir)
    cli(home, data_dir, "screen", LISTED_NAME)  # stores the screening index with the home
    db = Database(f"sqlite:///{database}")
    tokens = {}
    with db.write_session() as session:
        for user, role, variable in (("docs-manager", "compliance_manager", "TOKEN"),
                                     ("docs-admin", "admin", "ADMIN_TOKEN")):
            add_user(session, user, role=role, tenant="default", password=PASSWORD, actor="test-setup")
            tokens[variable], _ = create_token(session, user, label="docs examples", actor="test-setup")
    db.dispose()
    forget_databases()
    yield {"home": str(home), **tokens}


def _checkout_like(tmp_path: Path, data_dir: Path) -> Path:
    """A folder where the guides' relative paths work, without writing into the repository."""
    work = tmp_path / "checkout" / "dualcheck"
    work.mkdir(parents=True)
    for name in ("tests", "benchmarks", "src", "docs", "scripts"):
        (work / name).symlink_to(ROOT / name)
    (tmp_path / "checkout" / "shared").mkdir()
    (tmp_path / "checkout" / "shared" / "data").symlink_to(data_dir)
    return work


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.where for e in EXAMPLES])
def test_example_runs(example: Example, loaded_home: dict[str, str], tmp_path: Path, data_dir: Path,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    if example.skip_reason:
        pytest.skip(f"{example.where}: {example.skip_reason}")
    home = tmp_path / "home"
    shutil.copytree(loaded_home["home"], home)
    monkeypatch.setenv("DUALCHECK_HOME", str(home))
    reset_settings_cache()
    env = {**os.environ, "DUALCHECK_HOME": str(home), "DUALCHECK_DATA_DIR": str(data_dir),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "TOKEN": loaded_home["TOKEN"], "ADMIN_TOKEN": loaded_home["ADMIN_TOKEN"], "DUALCHECK_ACTOR": "docs"}
    env.pop("DUALCHECK_DATABASE_URL", None)
    work = _checkout_like(tmp_path, data_dir)
    script = "set -euo pipefail\n" + example.code

    def run() -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{example.where}: example did not finish within {TIMEOUT_SECONDS} s\n{example.code}")

    if "DUALCHECK_URL" in example.code:
        db = Database(f"sqlite:///{home / 'dualcheck.sqlite3'}")
        try:
            with local_server(db) as url:
                env["DUALCHECK_URL"] = url
                done = run()
        finally:
            db.dispose()
    else:
        done = run()
    if done.returncode != 0:
        pytest.fail(f"{example.where}: example failed with exit code {done.returncode}\n--- example\n"
                    f"{example.code}--- stdout (end)\n{done.stdout[-3000:]}\n--- stderr (end)\n{done.stderr[-3000:]}",
                    pytrace=False)


def _anchor(heading: str) -> str:
    """The anchor a Markdown renderer (GitHub's rules) gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_local_links_resolve() -> None:
    """Every link from one guide to another file (and heading) of the repository leads somewhere."""
    broken = []
    for guide in GUIDES:
        text = guide.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path_part, _, anchor = target.partition("#")
            linked = (guide.parent / path_part).resolve() if path_part else guide
            if not linked.exists():
                broken.append(f"{guide.relative_to(ROOT)}: {target}")
            elif anchor and linked.suffix == ".md":
                headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), flags=re.M)
                if anchor not in {_anchor(h) for h in headings}:
                    broken.append(f"{guide.relative_to(ROOT)}: {target} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
