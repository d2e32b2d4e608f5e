"""Build the PyInstaller bundle once and keep it in the clone's ``build/`` folder.

The bundle is rebuilt only when what goes into it changes: the app's Python sources, the
spec, the shipped icons and desktop files, the lock, the packages installed in the venv it is
built from, or the Python version.
Its key (a sha256 of all of these) sits beside it, so a second ``make test`` in the same
clone reuses it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BUILD = REPO / "build" / "bundle"
INPUTS = ("arbiter_app", "packaging", "resources/icons", "requirements.lock")


@dataclass(frozen=True)
class Bundle:
    """A built bundle: its executable and how long the build took (0 when reused)."""

    executable: Path
    build_seconds: float


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


def built_bundle() -> Bundle:
    """The bundle for the current inputs, built when the cached one does not match."""
    key = input_key()
    executable = BUILD / "dist" / "arbiter-app" / "arbiter-app"
    stamp = BUILD / "key"
    if executable.exists() and stamp.exists() and stamp.read_text() == key:
        return Bundle(executable, 0.0)
    stamp.unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR",
         "--distpath", str(BUILD / "dist"), "--workpath", str(BUILD / "work"),
         str(REPO / "packaging" / "arbiter-app.spec")],
        cwd=REPO, check=True, capture_output=True,
    )
    stamp.write_text(key)
    return Bundle(executable, time.monotonic() - started)

