"""Find the files that ship with the app: contracts, devnet sources, icons, desktop entry.

They are package data under ``arbiter_app/resources/<name>``. In a wheel or a PyInstaller
bundle these are real directories (the wheel's ``force-include`` in ``pyproject.toml``, the
bundle's spec); in a checkout they are symlinks to the repository's ``resources/`` and
``packaging/linux/``. Every module finds them through :func:`asset`, the one place that knows
this, so nothing guesses where a source tree might be.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from arbiter_app.errors import ArbiterError

# The names under ``arbiter_app/resources`` and where each comes from in the repository.
SOURCES: dict[str, str] = {
    "contracts": "resources/contracts",
    "devnet": "resources/devnet",
    "icons": "resources/icons",
    "linux": "packaging/linux",
}

APP_ID = "io.bitmind.ArbiterDesk"


class AssetMissing(ArbiterError):
    """A file that ships with the app is not in this installation."""


def asset(name: str, *parts: str) -> Path:
    """The path of a shipped file or directory.

    :param name: one of :data:`SOURCES` (``contracts``, ``devnet``, ``icons``, ``linux``)
    :param parts: the path inside it
    :raises AssetMissing: this installation does not have it (a bundle without the devnet,
        a broken install)
    """
    if name not in SOURCES:
        raise ValueError(f"no shipped resource named {name!r}")
    found = files("arbiter_app").joinpath("resources", name, *parts)
    if not isinstance(found, Path) or not found.exists():
        shown = "/".join((name, *parts))
        raise AssetMissing(
            f"this installation of arbiter-app has no {shown} (looked in {found}); "
            "reinstall it from a wheel or a source checkout"
        )
    return found
