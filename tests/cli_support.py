"""Running the command line in the test process, as `python -m dualcheck` would."""

from __future__ import annotations

import pytest

from dualcheck.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `dualcheck ARGS...` run in this process."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err
