"""The wheel and the sdist as ``pip install`` users get them.

The wheel is installed with its dependencies (at the locked versions) into a fresh venv,
outside the source tree, and run: ``--version``, ``tx decode``, and ``devnet --json`` up to
its ready line, after the Node packages are installed by the very command its error names.
Its resources must come from the installed package, never from this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from arbiter_app import __version__
from tests.unit.stacks.test_cli_tx import SIGNED, VECTORS

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-d", str(out)], cwd=REPO,
                   check=True, capture_output=True)
    return out


@pytest.fixture(scope="module")
def installed(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and its dependencies; returns its ``bin``."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=True)
    wheel = next(dist.glob("*.whl"))
    subprocess.run([str(home / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", str(wheel), "-c",
                    str(REPO / "requirements.lock")], check=True, capture_output=True)
    return home / "bin"


def run(bin_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir / "arbiter-app"), *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_wheel_runs_version_and_tx_decode(installed: Path, tmp_path: Path) -> None:
    assert run(installed, "--version", cwd=tmp_path).stdout == f"arbiter-app {__version__}\n"
    done = run(installed, "tx", "decode", SIGNED, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["txid"] == VECTORS["contract_call"]["txid"]


def test_wheel_finds_its_resources_inside_the_installed_package(installed: Path,
                                                                tmp_path: Path) -> None:
    code = ("from arbiter_app.assets import asset; "
            "print(*(asset(n) for n in ('contracts', 'devnet', 'icons', 'linux')))")
    done = subprocess.run([str(installed / "python"), "-c", code], cwd=tmp_path,
                          capture_output=True, text=True, check=True)
    for path in done.stdout.split():
        assert Path(path).is_relative_to(installed.parent), path
        assert not Path(path).is_symlink()


def test_wheel_devnet_names_the_npm_command_then_reaches_ready(installed: Path,
                                                               tmp_path: Path) -> None:
    done = run(installed, "devnet", "--json", cwd=tmp_path)
    assert done.returncode == 1
    found = re.search(r"install them with: (npm ci .*)$", done.stderr.strip())
    assert found, done.stderr
    subprocess.run([*shlex.split(found.group(1)), "--prefer-offline", "--no-audit", "--no-fund"],
                   check=True, capture_output=True, timeout=300)
    process = subprocess.Popen([str(installed / "arbiter-app"), "devnet", "--json"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        assert process.stdout is not None
        ready = json.loads(process.stdout.readline() or "null")
        assert ready is not None, process.communicate(timeout=30)[1]
        assert ready["escrow_contract"].endswith(".escrow-secure")
        assert ready["endpoints"]["stacks_api"].startswith("http://127.0.0.1:")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_sdist_carries_sources_and_no_build_outputs(dist: Path, tmp_path: Path) -> None:
    sdist = next(dist.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
        archive.extractall(tmp_path, filter="data")
    assert {"LICENSE", "requirements.lock", "resources/contracts/contracts/escrow-secure.clar",
            "resources/devnet/src/main.js", "packaging/linux/20-ledger-arbiter-desk.rules",
            "resources/icons/arbiter-desk.svg"} <= set(names)
    unwanted = re.compile(r"(^|/)(node_modules|build|dist|\.venv|__pycache__)(/|$)|\.pyc$")
    assert not [name for name in names if unwanted.search(name)]
    assert not [name for name in names if name.startswith("arbiter_app/resources/")]
    source = next(tmp_path.iterdir())
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", "out"],
                   cwd=source, check=True, capture_output=True)
    with zipfile.ZipFile(next((source / "out").glob("*.whl"))) as wheel:
        shipped = set(wheel.namelist())
    assert "arbiter_app/resources/devnet/src/main.js" in shipped
    assert "arbiter_app/resources/linux/io.bitmind.ArbiterDesk.desktop" in shipped
