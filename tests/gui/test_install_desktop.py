"""``arbiter-app install-desktop``: the entry, the metainfo and the icons land where desktops
look, validated by the freedesktop tools when present; the udev rule only after a yes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from arbiter_app.assets import APP_ID
from arbiter_app.cli import main
from arbiter_app.cli.desktop import UDEV_RULE, desktop_entry, launch_command
from arbiter_app.gui.icons import HICOLOR_SIZES


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    prefix = tmp_path / "share"
    assert main(["install-desktop", "--prefix", str(prefix), "--no-udev"]) == 0
    return prefix


def test_entry_metainfo_svg_and_every_png_size_are_installed(installed: Path) -> None:
    entry = (installed / "applications" / f"{APP_ID}.desktop").read_text()
    assert f"Icon={APP_ID}\n" in entry
    assert f"Exec={' '.join(launch_command())} gui\n" in entry
    assert (installed / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    icons = installed / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    for size in HICOLOR_SIZES:
        image = QImage(str(icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.pixelColor(size // 2, size // 2).alpha() > 0, f"{size}px is blank"
        assert image.pixelColor(0, 0).alpha() == 0, f"{size}px has no transparent corner"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (desktop-file-utils) is not installed")
def test_installed_entry_passes_desktop_file_validate(installed: Path) -> None:
    done = subprocess.run(["desktop-file-validate",
                           str(installed / "applications" / f"{APP_ID}.desktop")],
                          capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (0, ""), done.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli (appstream) is not installed")
def test_installed_metainfo_passes_appstreamcli_validate(installed: Path) -> None:
    done = subprocess.run(["appstreamcli", "validate", "--no-net", "--explain",
                           str(installed / "metainfo" / f"{APP_ID}.metainfo.xml")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize("command", [["/opt/arbiter desk/arbiter-app"],
                                     ["/usr/bin/python3", "-m", "arbiter_app"],
                                     ['/srv/a"b$c/arbiter-app']],
                         ids=["space-in-path", "python-module", "quote-and-dollar-in-path"])
def test_exec_line_quotes_paths_as_the_spec_asks(command: list[str], tmp_path: Path) -> None:
    entry = tmp_path / f"{APP_ID}.desktop"
    entry.write_text(desktop_entry(command))
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    if " " in command[0]:
        assert exec_line == 'Exec="/opt/arbiter desk/arbiter-app" gui'
    if shutil.which("desktop-file-validate"):
        done = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True,
                              text=True)
        assert done.stdout == "", done.stdout


def _install(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "arbiter_app", "install-desktop", "--prefix",
         str(tmp_path / "share"), "--udev-dir", str(tmp_path / "rules"), *flags],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_without_a_terminal_or_a_yes_the_udev_rule_is_not_installed(tmp_path: Path) -> None:
    done = _install(tmp_path)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "rules" / UDEV_RULE).exists()
    assert "run again with --udev" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="installing a udev rule needs root")
def test_udev_yes_as_root_installs_the_rule(tmp_path: Path) -> None:
    done = _install(tmp_path, "--udev")
    assert done.returncode == 0, done.stderr
    rule = tmp_path / "rules" / UDEV_RULE
    assert 'ATTRS{idVendor}=="2c97"' in rule.read_text()
    assert rule.stat().st_mode & 0o777 == 0o644
