"""The command line's one presenter: an unexpected error prints one line naming the log file
and exits 1 (the traceback goes to the log only), Ctrl-C exits 130 without a traceback, a
closed pipe ends quietly, and ``-v``/``--debug`` reach the log's level and stderr."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from arbiter_app import config
from arbiter_app.cli import main

REPO = Path(__file__).resolve().parents[3]


def fail_with(error: BaseException, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``arbiter-app disputes`` raise ``error`` where it reads the case store."""
    from arbiter_app.store import rows

    def broken(store: object) -> None:
        raise error

    monkeypatch.setattr(rows, "list_cases", broken)


def test_a_forced_internal_error_prints_one_line_with_the_log_path_and_exits_1(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fail_with(RuntimeError("forced internal failure 7f3a"), monkeypatch)
    assert main(["disputes"]) == 1
    err = capsys.readouterr().err
    path = config.default_log_path()
    assert err.splitlines() == [f"arbiter-app: an unexpected error occurred (RuntimeError); "
                                f"details are in the log: {path}"]
    logged = path.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in logged
    assert "RuntimeError: forced internal failure 7f3a" in logged


def test_ctrl_c_exits_130_with_one_line_and_no_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    fail_with(KeyboardInterrupt(), monkeypatch)
    assert main(["disputes"]) == 130
    assert capsys.readouterr().err == "arbiter-app: interrupted\n"


def test_a_closed_pipe_ends_quietly() -> None:
    from tests.unit.test_docs import signed_transaction_hex

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte is written (as with `head`)
    try:
        done = subprocess.run([sys.executable, "-m", "arbiter_app", "tx", "decode",
                               signed_transaction_hex()], cwd=REPO, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 1


@pytest.fixture
def file_only_afterwards() -> Iterator[None]:
    """Leave no handler on the test's captured stderr once it is closed."""
    yield
    from arbiter_app.cli import logfile

    logfile.configure()


@pytest.mark.usefixtures("file_only_afterwards")
@pytest.mark.parametrize(("flags", "level", "to_stderr"), [
    ([], logging.INFO, False), (["-v"], logging.INFO, True),
    (["--debug"], logging.DEBUG, False), (["--debug", "-v"], logging.DEBUG, True),
], ids=["default-info-file-only", "verbose-copies-to-stderr", "debug-level",
        "debug-and-verbose"])
def test_debug_and_verbose_set_the_level_and_stderr_copy(
        flags: list[str], level: int, to_stderr: bool,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*flags, "disputes"]) == 0
    logging.getLogger("arbiter_app.test").info("a record for the log 51c2")
    assert logging.getLogger().level == level
    assert ("a record for the log 51c2" in capsys.readouterr().err) is to_stderr
    assert "a record for the log 51c2" in config.default_log_path().read_text(encoding="utf-8")
