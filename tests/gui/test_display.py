"""The display check turns Qt's process abort into a sentence that names the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from arbiter_app.gui.display import DisplayUnavailable, check_display, xcb_plugin


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
