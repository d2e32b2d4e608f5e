"""The ``gui`` and ``demo`` commands: ``arbiter-app`` alone means ``gui``, both have help, and
registering them keeps every other command free of Qt; the dispatcher's table of commands
agrees with the command modules and imports only the module of the command that runs."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from arbiter_app.cli import COMMANDS, build_parser
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


def help_lines(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    """Each command's line in ``arbiter-app --help``."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.help for action in commands._choices_actions}


def test_the_table_lists_every_command_with_its_modules_help_line() -> None:
    assert help_lines(build_parser()) == {name: line for name, (_, line) in COMMANDS.items()}


@pytest.mark.parametrize("command", ["tx", "receipt", "rule", "config"])
def test_running_a_command_imports_its_module_and_no_other(command: str) -> None:
    code = ("import json, sys; from arbiter_app.cli import build_parser; "
            f"build_parser({command!r}); "
            "print(json.dumps([m for m in sys.modules if m.startswith('arbiter_app.cli.')]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True).stdout
    loaded = {m.removeprefix("arbiter_app.cli.") for m in json.loads(out)}
    assert COMMANDS[command][0] in loaded
    assert not loaded & {"gui", "demo", "desktop", "sync", "disputes"} - {COMMANDS[command][0]}


def test_gui_opens_the_window_on_the_saved_settings(
        qtbot: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from arbiter_app import config
    from arbiter_app.cli import main
    from arbiter_app.gui.main_window import MainWindow
    from arbiter_app.gui.tasks import Task
    from arbiter_app.services.session import Session
    from tests.gui.conftest import add_case

    saved = config.Settings(data_dir=str(tmp_path / "saved-data"), sla_hours=24)
    config.save(saved, tmp_path / "settings.json")
    with Session(saved) as session:
        add_case(session, 9)
    seen: list[tuple[int, int]] = []

    def close_when_shown() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if isinstance(w, MainWindow) and w.isVisible()]
        if not windows or Task._running:
            QTimer.singleShot(50, close_when_shown)
            return
        seen.append((windows[0].model.rowCount(), windows[0].session.settings.sla_hours))
        windows[0].close()

    QTimer.singleShot(0, close_when_shown)
    assert main(["--config", str(tmp_path / "settings.json"), "gui"]) == 0
    assert seen == [(1, 24)]
