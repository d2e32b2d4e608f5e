"""The app loads only the Qt modules its declared Qt wheels provide: PySide6-Essentials
(QtCore, QtGui, QtWidgets, QtSvg) and PySide6-Pdf (QtPdf).

One child process imports every GUI module and the receipt PDF writer, opens and closes the
main window on a fresh case store, and lists the ``PySide6.Qt*`` modules it then holds;
another is the evidence render child drawing a PDF, listing its own at exit.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
SESSION = """
import importlib, pkgutil, sys
import arbiter_app.gui, arbiter_app.records.pdf
for found in pkgutil.walk_packages(arbiter_app.gui.__path__, "arbiter_app.gui."):
    importlib.import_module(found.name)
from PySide6.QtCore import QThreadPool
from arbiter_app import config
from arbiter_app.gui.app import application
from arbiter_app.gui.main_window import MainWindow
from arbiter_app.services.session import Session
app = application()
with Session(config.Settings(data_dir=sys.argv[1])) as session:
    window = MainWindow(session)
    window.show()
    app.processEvents()
    window.close()
    QThreadPool.globalInstance().waitForDone(30_000)
print(*sorted(name for name in sys.modules if name.startswith("PySide6.Qt")))
"""
RENDER = """
import atexit, runpy, sys
atexit.register(lambda: print(*sorted(name for name in sys.modules
                                     if name.startswith("PySide6.Qt")), file=sys.stderr))
sys.argv[0] = "render_child"
runpy.run_module("arbiter_app.gui.render_child", run_name="__main__")
"""
# QtSvg is loaded by install-desktop, which draws the PNG icons; QtPdf by the render child.
USED = {"PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg", "PySide6.QtPdf"}


def qt_modules_of_a_gui_session(data_dir: Path) -> set[str]:
    done = subprocess.run([sys.executable, "-c", SESSION, str(data_dir)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def qt_modules_of_a_pdf_render() -> set[str]:
    from arbiter_app.gui.render_process import FIRST_PAGE, LIMITS

    pdf = (REPO / "resources" / "devnet" / "seed" / "statement-of-work.pdf").read_bytes()
    args = ["pdf", *FIRST_PAGE.arguments(), str(LIMITS.memory_bytes), str(LIMITS.cpu_seconds)]
    done = subprocess.run([sys.executable, "-c", RENDER, *args], input=pdf, cwd=REPO,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout) > len(pdf), "the child rendered nothing"
    return set(done.stderr.decode().splitlines()[-1].split())


def providers() -> dict[str, str]:
    """``PySide6.QtX`` → the distribution whose files hold its extension module."""
    found = {}
    for dist in metadata.distributions():
        for file in dist.files or ():
            parts = file.parts
            if len(parts) == 2 and parts[0] == "PySide6" and parts[1].endswith(".abi3.so"):
                module = f"PySide6.{parts[1].split('.')[0]}"
                found[module] = canonicalize_name(dist.metadata["Name"])
    return found


def test_gui_session_loads_only_qt_from_the_declared_qt_wheels(tmp_path: Path) -> None:
    declared = {canonicalize_name(Requirement(text).name) for text in
                tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]}
    window, render = qt_modules_of_a_gui_session(tmp_path), qt_modules_of_a_pdf_render()
    assert {"PySide6.QtCore", "PySide6.QtWidgets"} <= window <= USED
    assert "PySide6.QtPdf" in render <= USED
    loaded = window | render
    source = providers()
    assert {module: source[module] for module in loaded if source[module] not in declared} == {}
