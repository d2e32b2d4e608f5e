"""Check, before Qt is started, that it can open a window here, and say why not.

Qt's X11 plugin (``xcb``) needs system libraries that a minimal Debian lacks (for instance
``libxcb-cursor0`` since Qt 6.5). Without them, or without any display, Qt aborts the whole
process with a terse message, taking the devnet and the case store down with it; so does a
``DISPLAY`` that names an X server which does not answer. This module finds those cases first
and turns them into an :class:`ArbiterError` that names the missing piece and the Debian
packages that provide it, or the display that does not answer.
"""

from __future__ import annotations

import ctypes
import os
import socket
from collections.abc import Mapping
from pathlib import Path

from arbiter_app.errors import ArbiterError

X11_CONNECT_TIMEOUT_S = 3.0
X11_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
    "libxkbcommon-x11-0 libxcb-xkb1 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 libegl1"
)


class DisplayUnavailable(ArbiterError):
    """Qt cannot open a window in this environment."""


def xcb_plugin() -> Path:
    """Where PySide6 keeps Qt's X11 platform plugin."""
    import PySide6

    return Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"


def check_display(environ: Mapping[str, str] | None = None, plugin: Path | None = None) -> None:
    """Raise if Qt would abort for want of a display or of the X11 libraries.

    :param environ: the environment to judge (default: ``os.environ``)
    :param plugin: the X11 plugin to try loading (default: PySide6's)
    :raises DisplayUnavailable: naming what is missing and how to get it
    """
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith("xcb"):
        return  # offscreen, wayland, ...: Qt's own checks are enough
    if not platform and env.get("WAYLAND_DISPLAY"):
        return
    if not env.get("DISPLAY"):
        raise DisplayUnavailable(
            "there is no display to open the window on: run from a desktop session "
            "(DISPLAY or WAYLAND_DISPLAY set)"
        )
    plugin = plugin or xcb_plugin()
    if not plugin.exists():
        return  # not a Linux build of Qt
    try:
        ctypes.CDLL(str(plugin))
    except OSError as e:
        raise DisplayUnavailable(
            f"Qt cannot open a window on X11: {e}. On Debian or Ubuntu, install the X11 "
            f"libraries Qt needs: sudo apt-get install {X11_PACKAGES}"
        ) from e
    reach_x_server(env["DISPLAY"])


def reach_x_server(display: str) -> None:
    """Connect to the X server that ``display`` names (``[host]:N[.S]``), then hang up.

    A local display is the socket ``/tmp/.X11-unix/XN`` (or its abstract twin); a display
    with a host name is TCP port 6000 + N on that host.

    :raises DisplayUnavailable: the name is malformed or nothing answers there
    """
    host, _, screen = display.rpartition(":")
    number = screen.split(".")[0]
    if not number.isdigit():
        raise DisplayUnavailable(f"DISPLAY={display!r} is not an X display name ([host]:N[.S])")
    try:
        if host in ("", "unix"):
            _connect_local(f"/tmp/.X11-unix/X{number}")
        else:
            socket.create_connection((host, 6000 + int(number)), X11_CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise DisplayUnavailable(
            f"no X server answers at DISPLAY={display!r} ({e.strerror or e}): start the "
            "desktop session or Xvfb first, or set DISPLAY to a running one"
        ) from e


def _connect_local(path: str) -> None:
    """Connect to a local X socket: the file, else the abstract name Linux servers also use.

    :raises OSError: the file's error when neither answers
    """
    try:
        _connect_unix(path)
    except OSError as e:
        try:
            _connect_unix("\0" + path)
        except OSError:
            raise e from None


def _connect_unix(address: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(X11_CONNECT_TIMEOUT_S)
        s.connect(address)
