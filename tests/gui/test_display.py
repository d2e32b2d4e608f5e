"""The display check turns Qt's process abort into a sentence that names the fix."""

from __future__ import annotations

import _ctypes
import socket
from pathlib import Path

import pytest

from arbiter_app.gui.display import DisplayUnavailable, check_display, reach_x_server, xcb_plugin


@pytest.mark.parametrize(
    "environ",
    [{"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ""}],
    ids=["offscreen-needs-nothing", "wayland-session"],
)
def test_platforms_that_need_no_x11_pass(environ: dict[str, str], tmp_path: Path) -> None:
    check_display(environ, plugin=tmp_path / "absent.so")


def test_no_display_at_all_is_named() -> None:
    with pytest.raises(DisplayUnavailable, match="no display"):
        check_display({})


def test_an_unloadable_x11_plugin_names_the_packages(tmp_path: Path) -> None:
    broken = tmp_path / "libqxcb.so"
    broken.write_bytes(b"not a shared object")
    with pytest.raises(DisplayUnavailable, match="apt-get install libxcb-cursor0") as e:
        check_display({"DISPLAY": ":0"}, plugin=broken)
    assert str(broken) in str(e.value)


def test_pyside6_ships_the_plugin_we_check() -> None:
    assert xcb_plugin().exists()


def _free_display_port() -> socket.socket:
    """A listening socket on 127.0.0.1 at 6000 + N for some display number N."""
    for number in range(100, 1000):
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", 6000 + number))
        except OSError:
            listener.close()
            continue
        listener.listen()
        return listener
    raise AssertionError("no free port in 6100-6999")


def test_a_tcp_display_that_answers_passes() -> None:
    with _free_display_port() as listener:
        number = listener.getsockname()[1] - 6000
        reach_x_server(f"127.0.0.1:{number}.0")


def test_a_tcp_display_where_nothing_listens_is_named() -> None:
    with _free_display_port() as listener:
        number = listener.getsockname()[1] - 6000
    answer = f"no X server answers at DISPLAY='127.0.0.1:{number}'"
    with pytest.raises(DisplayUnavailable, match=answer):
        reach_x_server(f"127.0.0.1:{number}")


@pytest.mark.parametrize("display", [":4242", ":4242.0", "unix:4242"],
                         ids=["local-number", "local-with-screen", "unix-prefix"])
def test_a_local_display_without_a_server_fails_before_qt(display: str) -> None:
    assert not Path("/tmp/.X11-unix/X4242").exists()
    loadable = Path(_ctypes.__file__)  # stands for an X11 plugin whose libraries are present
    with pytest.raises(DisplayUnavailable, match="no X server answers"):
        check_display({"DISPLAY": display}, plugin=loadable)


@pytest.mark.parametrize("display", ["nonsense", ":x", "host:"],
                         ids=["no-colon", "letter-for-number", "empty-number"])
def test_a_malformed_display_name_is_named(display: str) -> None:
    with pytest.raises(DisplayUnavailable, match="is not an X display name"):
        reach_x_server(display)
