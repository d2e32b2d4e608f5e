"""The lock pins every dependency the app declares (and PyInstaller, which builds the bundle)
at a version its requirement admits, and the venv the tests run in holds exactly those."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
LOCKED = {
    canonicalize_name(name): version
    for name, _, version in (
        line.partition("==") for line in (REPO / "requirements.lock").read_text().splitlines()
        if line and not line.startswith("#")
    )
}
DECLARED = [Requirement(text) for text in
            [*PROJECT["dependencies"], *PROJECT["optional-dependencies"]["bundle"]]]


@pytest.mark.parametrize("requirement", DECLARED, ids=str)
def test_declared_dependency_is_locked_at_an_admitted_version(requirement: Requirement) -> None:
    name = canonicalize_name(requirement.name)
    assert name in LOCKED, f"{name} is not in requirements.lock: run make lock"
    assert requirement.specifier.contains(LOCKED[name], prereleases=True), (
        f"{name}=={LOCKED[name]} is outside {requirement.specifier}: run make lock")


@pytest.mark.parametrize("name", sorted(LOCKED))
def test_the_venv_holds_the_locked_version(name: str) -> None:
    assert metadata.version(name) == LOCKED[name], "the venv is stale: run make .venv/.installed"
