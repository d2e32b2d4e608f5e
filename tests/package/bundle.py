"""Build the PyInstaller bundle once and keep it in the clone's ``build/`` folder.

The bundle is rebuilt only when what goes into it changes: the app's Python sources, the
spec, the shipped icons and desktop files, the lock, the packages installed in the venv it is
built from, or the Python version.
Its key (a sha256 of all of these) sits beside it, so a second ``make test`` in the same
clone reuses it. When a session will run the bundle's tests, the build starts in the
background as soon as the tests are collected (:func:`start_background_build`): the suite
runs on one core and the build takes minutes on the other, so a fresh clone does not wait
for it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "bundle"
INPUTS = ("arbiter_app", "packaging", "resources/icons", "requirements.lock")
EXECUTABLE = BUILD / "dist" / "arbiter-app" / "arbiter-app"
STAMP = BUILD / "key"
BACKGROUND_NICE = 10

_background: subprocess.Popen[bytes] | None = None


@dataclass(frozen=True)
class Bundle:
    """A built bundle."""

    executable: Path


def _input_files() -> list[Path]:
    files: list[Path] = []
    for name in INPUTS:
        top = REPO / name
        if top.is_file():
            files.append(top)
            continue
        for root, dirs, names in os.walk(top):  # symlinked dirs (arbiter_app/resources) skipped
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            files += [Path(root) / n for n in sorted(names) if not n.endswith(".pyc")]
    return files


def input_key() -> str:
    """sha256 over every input's path and bytes, the venv's packages and Python's version."""
    installed = sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions())
    digest = hashlib.sha256(" ".join([sys.version, *installed]).encode())
    for path in _input_files():
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _is_built(key: str) -> bool:
    return EXECUTABLE.exists() and STAMP.exists() and STAMP.read_text() == key


def start_background_build() -> None:
    """Build the bundle in a niced child process unless the cached one matches."""
    global _background
    if _background is None and not _is_built(input_key()):
        _background = subprocess.Popen(
            [sys.executable, "-c", "from tests.package.bundle import built_bundle; built_bundle()"],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, preexec_fn=functools.partial(os.nice, BACKGROUND_NICE),
            start_new_session=True,  # PyInstaller's own children end with it
        )


def stop_background_build() -> None:
    """End a background build still running when the session ends (nothing half-built is
    ever used: the key is written only after a build succeeded)."""
    global _background
    if _background is not None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(_background.pid, signal.SIGKILL)
        _background.wait()
        _background = None


def built_bundle() -> Bundle:
    """The bundle for the current inputs: the background build's, the cached one, or built
    here when neither matches (a failed background build is redone here, where its error
    shows)."""
    global _background
    if _background is not None:
        _background.wait()
        _background = None
    key = input_key()
    if _is_built(key):
        return Bundle(EXECUTABLE)
    STAMP.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
         "--distpath", str(BUILD / "dist"), "--workpath", str(BUILD / "work"),
         str(REPO / "packaging" / "arbiter-app.spec")],
        cwd=REPO, check=True, capture_output=True,
    )
    STAMP.write_text(key)
    return Bundle(EXECUTABLE)
