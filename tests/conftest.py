"""Fixtures shared by every test: a clean environment, and the session stand-ins.

Session-wide stand-ins (the devnet, the Ledger emulator) and the small store fixtures
live in ``tests/fixtures/`` and are loaded as plugins, so each area owns its file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.package import bundle

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins: list[str] = [
    "tests.fixtures.store",
    "tests.fixtures.unixfs",
    "tests.fixtures.ledger",
    "tests.fixtures.devnet",
    "tests.fixtures.stacks",
    "tests.fixtures.slowloris",
    "tests.fixtures.disks",
]

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No proxies from the environment, and per-test config, data and log directories."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("ARBITER_APP_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("ARBITER_APP_CONFIG", str(tmp_path / "config" / "settings.json"))
    monkeypatch.setenv("ARBITER_APP_LOG_DIR", str(tmp_path / "logs"))
    yield


def pytest_collection_finish(session: pytest.Session) -> None:
    """A session that will test the PyInstaller bundle starts building it now, beside the
    tests that run before (see ``tests/package/bundle.py``)."""
    if not session.config.option.collectonly and any(
            item.path.name == "test_bundle.py" for item in session.items):
        bundle.start_background_build()


def pytest_unconfigure(config: pytest.Config) -> None:
    bundle.stop_background_build()
