"""The direction of imports (docs/ARCHITECTURE.md §3), checked on every module's syntax tree,
imports inside functions and under ``TYPE_CHECKING`` included: a room imports only from itself
or from rooms on a lower level, rooms on one level do not import each other, and the GUI reaches
the store and the records only through the services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import arbiter_app

ROOT = Path(arbiter_app.__file__).parent
LEVELS = [
    {"cli"}, {"gui"}, {"services"}, {"records", "store", "devnet"}, {"wallet", "decisionlog"},
    {"stacks", "ipfs"}, {"case"}, {"deadline", "retry", "text", "assets"},
    {"config", "progress"}, {"private", "writes"}, {"errors"},
]
RANK = {room: n for n, level in enumerate(LEVELS) for room in level}
# Entry points above every room: they may import anything.
TOP = {"__init__", "__main__"}


def room_of(module: str) -> str:
    """``arbiter_app.x.y`` → ``x`` (a package, or a top-level module's name)."""
    return module.split(".")[1]


def is_module(root: Path, name: str) -> bool:
    """Whether ``arbiter_app.<name>`` is a package or a module (not a package attribute)."""
    return (root / name / "__init__.py").exists() or (root / f"{name}.py").exists()


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every ``arbiter_app`` module ``path`` imports, with its line number."""
    package = ".".join(("arbiter_app", *path.relative_to(root).with_suffix("").parts[:-1]))
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            if base == "arbiter_app":
                found += [(node.lineno, f"arbiter_app.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, base))
    return [(line, name) for line, name in found if name.startswith("arbiter_app.")]


def offences(path: Path, root: Path = ROOT) -> list[str]:
    """The imports of ``path`` against the direction, as ``file:line: a -> b``."""
    source = room_of(".".join(("arbiter_app", *path.relative_to(root).with_suffix("").parts)))
    if source in TOP:
        return []
    bad = []
    for line, name in imports(path, root):
        target = room_of(name)
        if target == source or not is_module(root, target):
            continue  # the same room, or a name the package itself defines (__version__)
        if target not in RANK or source not in RANK or RANK[target] <= RANK[source]:
            bad.append(f"{path.relative_to(root)}:{line}: {source} -> {target}")
    return bad


def test_every_room_is_placed_on_a_level() -> None:
    rooms = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
             if (p.is_dir() and (p / "__init__.py").exists()) or p.suffix == ".py"}
    assert rooms - TOP <= set(RANK), sorted(rooms - TOP - set(RANK))


def test_no_import_runs_against_the_direction() -> None:
    bad = [o for path in sorted(ROOT.rglob("*.py")) for o in offences(path)]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(("source", "text", "ok"), [
    ("store/x.py", "from arbiter_app.decisionlog import merkle", True),
    ("store/x.py", "def f():\n    from arbiter_app.services import steps", False),
    ("records/x.py", "from arbiter_app.store import log", False),
    ("case/x.py", "from arbiter_app import errors", True),
    ("case/x.py", "if True:\n    import arbiter_app.gui.tasks", False),
    ("store/x.py", "from . import rows", True),
    ("store/x.py", "from ..gui import tasks", False),
], ids=["down", "up-inside-a-function", "sideways", "to-errors", "plain-import-up",
        "relative-same-room", "relative-up"])
def test_the_check_sees_every_form_of_import(tmp_path: Path, source: str, text: str,
                                             ok: bool) -> None:
    fake = tmp_path / "arbiter_app"
    for room in RANK:
        (fake / room).mkdir(parents=True)
        (fake / room / "__init__.py").write_text("", encoding="utf-8")
    module = fake / source
    module.write_text(text + "\n", encoding="utf-8")
    assert (offences(module, fake) == []) is ok


def test_the_gui_reaches_the_store_and_records_only_through_services() -> None:
    bad = [f"{path.relative_to(ROOT)}:{line}: {name}"
           for path in sorted((ROOT / "gui").rglob("*.py"))
           for line, name in imports(path) if room_of(name) in {"store", "records"}]
    assert not bad, "\n".join(bad)
