"""The ``gui`` and ``demo`` commands: ``arbiter-app`` alone means ``gui``, both have help, and
registering them keeps every other command free of Qt (STYLE habit 1)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from arbiter_app.cli import build_parser
from arbiter_app.cli.demo import run_demo
from arbiter_app.cli.gui import run_gui

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("argv", "handler"), [(["gui"], run_gui), (["demo"], run_demo)],
                         ids=["gui", "demo"])
def test_commands_reach_their_handlers(argv: list[str], handler: object) -> None:
    assert build_parser().parse_args(argv).handler is handler


def test_demo_help_names_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["demo", "--help"])
    assert exit_.value.code == 0
    assert "--data-dir" in capsys.readouterr().out


def test_building_the_parser_loads_no_qt() -> None:
    code = ("import sys; from arbiter_app.cli import build_parser; build_parser(); "
            "print(sorted(m for m in sys.modules if m.startswith('PySide6')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"
