"""``arbiter-app install-desktop``: put the app in the desktop's menus, and let it reach a Ledger.

It installs, under the per-user data directory (``$XDG_DATA_HOME``, by default
``~/.local/share``) or ``--prefix``:

- ``applications/io.bitmind.ArbiterDesk.desktop``, its ``Exec`` pointing at this very
  ``arbiter-app`` (the bundle, the venv's script, or ``python -m arbiter_app``);
- ``metainfo/io.bitmind.ArbiterDesk.metainfo.xml`` (AppStream, for software centres);
- ``icons/hicolor/scalable/apps/io.bitmind.ArbiterDesk.svg`` and the PNG sizes of
  :data:`~arbiter_app.gui.icons.HICOLOR_SIZES`, drawn from that SVG.

The udev rule that lets the logged-in user open a Ledger over USB goes to the system
(``/etc/udev/rules.d``), so it is only installed after a yes (``--udev`` answers it), and
only as root; otherwise the command prints the lines that install it with sudo.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from arbiter_app.assets import APP_ID, asset
from arbiter_app.cli import report
from arbiter_app.gui.icons import HICOLOR_SIZES, render_pngs

UDEV_RULE = "20-ledger-arbiter-desk.rules"
UDEV_DIR = Path("/etc/udev/rules.d")
EXEC_RESERVED = frozenset(' \t\n"\'\\><~|&;$*?#()`%')


def register(subparsers: Any) -> None:
    """Add the ``install-desktop`` command."""
    parser = subparsers.add_parser(
        "install-desktop", help="install the menu entry, icons and (asked) the Ledger udev rule")
    parser.add_argument("--prefix", metavar="DIR",
                        help="data directory to install into (default: $XDG_DATA_HOME or "
                             "~/.local/share)")
    parser.add_argument("--udev", action=argparse.BooleanOptionalAction, default=None,
                        help="install the Ledger udev rule without asking (--no-udev: skip it)")
    parser.add_argument("--udev-dir", metavar="DIR", default=str(UDEV_DIR),
                        help=f"where udev rules go (default: {UDEV_DIR})")
    parser.set_defaults(handler=run_install)


def run_install(args: argparse.Namespace) -> int:
    """Install the desktop files, then the udev rule if the user says yes."""
    prefix = Path(args.prefix) if args.prefix else data_home()
    for path in install_desktop_files(prefix):
        report(f"installed {path}")
    rules_dir = Path(args.udev_dir)
    if _wants_udev(args.udev, rules_dir):
        install_udev_rule(rules_dir)
    return 0


def data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share`` when it is unset or not absolute."""
    configured = os.environ.get("XDG_DATA_HOME", "")
    return Path(configured) if os.path.isabs(configured) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The command that starts this installation of the app."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(sys.argv[0]).resolve()
    if script.name == "arbiter-app" and script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "arbiter_app"]


def desktop_entry(command: list[str]) -> str:
    """The shipped ``.desktop`` entry with ``Exec`` set to ``command … gui``."""
    exec_line = " ".join(_desktop_quote(word) for word in [*command, "gui"])
    lines = asset("linux", f"{APP_ID}.desktop").read_text(encoding="utf-8").splitlines()
    return "".join(
        f"Exec={exec_line}\n" if line.startswith("Exec=") else f"{line}\n" for line in lines)


def install_desktop_files(prefix: Path) -> list[Path]:
    """Write the entry, the metainfo and the icons under ``prefix``; return what was written."""
    entry = prefix / "applications" / f"{APP_ID}.desktop"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_text(desktop_entry(launch_command()), encoding="utf-8")
    metainfo = prefix / "metainfo" / f"{APP_ID}.metainfo.xml"
    metainfo.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(asset("linux", f"{APP_ID}.metainfo.xml"), metainfo)
    icons = prefix / "icons" / "hicolor"
    svg = icons / "scalable" / "apps" / f"{APP_ID}.svg"
    svg.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(asset("icons", "arbiter-desk.svg"), svg)
    pngs = {size: icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png" for size in HICOLOR_SIZES}
    render_pngs(svg, pngs)
    return [entry, metainfo, svg, *pngs.values()]


def install_udev_rule(rules_dir: Path) -> None:
    """Copy the Ledger rule into ``rules_dir`` and reload udev, or say how to as root."""
    rule = asset("linux", UDEV_RULE)
    target = rules_dir / UDEV_RULE
    if os.geteuid() != 0:
        report("the udev rule needs root; install it with:\n"
               f"  sudo install -m 644 {shlex.quote(str(rule))} {shlex.quote(str(target))}\n"
               "  sudo udevadm control --reload-rules && sudo udevadm trigger")
        return
    rules_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(rule, target)
    os.chmod(target, 0o644)
    report(f"installed {target}")
    udevadm = shutil.which("udevadm")
    if udevadm is not None and rules_dir == UDEV_DIR:
        subprocess.run([udevadm, "control", "--reload-rules"], check=False)
        subprocess.run([udevadm, "trigger"], check=False)


def _wants_udev(answer: bool | None, rules_dir: Path) -> bool:
    """The ``--udev`` answer, else the user's, asked on the terminal (no terminal: no)."""
    if answer is not None:
        return answer
    if not sys.stdin.isatty():
        report("the Ledger udev rule was not installed (no terminal to ask); "
               "run again with --udev to install it")
        return False
    reply = input(f"Install the Ledger udev rule into {rules_dir} so that this user can reach "
                  "a Ledger over USB? [y/N] ")
    return reply.strip().lower() in ("y", "yes")


def _desktop_quote(word: str) -> str:
    """Quote an ``Exec`` argument as the Desktop Entry Specification asks: reserved characters
    inside double quotes, ``"`$\\`` escaped there, ``%`` doubled, then every backslash doubled
    by the file's own string escaping."""
    if not any(c in word for c in EXEC_RESERVED):
        return word
    inner = "".join(f"\\{c}" if c in '"`$\\' else c for c in word).replace("%", "%%")
    return f'"{inner}"'.replace("\\", "\\\\")
