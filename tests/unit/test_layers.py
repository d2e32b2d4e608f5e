"""The direction of imports (docs/ARCHITECTURE.md §3), checked on every module's syntax tree,
imports inside functions and under ``TYPE_CHECKING`` included: a room imports only from itself
or from rooms on a lower level, rooms on one level do not import each other, and the GUI reaches
the store and the records only through the services. Internal imports sit at the top of their
module (the few that must wait for their function are listed with the reason), and no modules
import each other, however long the loop."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import arbiter_app

ROOT = Path(arbiter_app.__file__).parent
LEVELS = [
    {"cli"}, {"gui"}, {"services"}, {"records", "store", "devnet"}, {"wallet", "decisionlog"},
    {"stacks", "ipfs"}, {"case"}, {"deadline", "endpoint", "retry", "text", "assets"},
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


@dataclass(frozen=True)
class Import:
    """One ``arbiter_app`` module (or package attribute) that a module imports."""

    line: int
    name: str
    function: str | None  # the function it sits in, or None at module level
    typing_only: bool  # under ``if TYPE_CHECKING:``


def _target(root: Path, base: str, name: str) -> str:
    """``from base import name``: the submodule ``base.name`` if there is one, else ``base``
    (``arbiter_app.<name>`` stays, so that ``__version__`` reads as no module)."""
    candidate = f"{base}.{name}"
    if base == "arbiter_app" or is_module(root, candidate.split(".", 1)[1].replace(".", "/")):
        return candidate
    return base


def all_imports(path: Path, root: Path = ROOT) -> list[Import]:
    """Every ``arbiter_app`` import of ``path``, with where it sits."""
    package = ".".join(("arbiter_app", *path.relative_to(root).with_suffix("").parts[:-1]))
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None, typing_only: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                for name in _names(child, package, root):
                    found.append(Import(child.lineno, name, function, typing_only))
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) \
                else function
            checking = typing_only or (isinstance(child, ast.If)
                                       and ast.unparse(child.test) == "TYPE_CHECKING")
            visit(child, inner, checking)

    visit(ast.parse(path.read_text(encoding="utf-8")), None, False)
    return [i for i in found if i.name.startswith("arbiter_app.")]


def _names(node: ast.Import | ast.ImportFrom, package: str, root: Path) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    if not base.startswith("arbiter_app"):
        return []
    return [_target(root, base, a.name) for a in node.names]


def imports(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every ``arbiter_app`` module ``path`` imports, with its line number."""
    return [(i.line, i.name) for i in all_imports(path, root)]


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


QT_AFTER_CHECK = ("the window is imported after check_display: importing Qt loads libEGL, libGL "
                  "and libxkbcommon, and where one is missing the check names it and its "
                  "Debian package instead of a traceback")
OFFLINE_VERIFIER = ("an offline verifier's command module: the case store and the network "
                    "clients are imported only by the actions that open them, so the offline "
                    "verify starts in a third of the time")
# The internal imports that stay inside a function, by file and function, with the reason.
# The dispatcher's table (arbiter_app.cli.COMMANDS) already keeps each command's imports to
# that command; these are the finer cases. Heavy third-party libraries loaded on first use
# (ledgerblue, Qt inside records/pdf.py) are not internal imports.
LOCAL_IMPORTS: dict[tuple[str, str], str] = {
    ("cli/gui.py", "run_gui"): QT_AFTER_CHECK,
    ("cli/demo.py", "run_demo"): QT_AFTER_CHECK,
    ("cli/receipt.py", "_verify_online"): OFFLINE_VERIFIER,
    ("cli/receipt.py", "run_export"): OFFLINE_VERIFIER,
    ("cli/receipt.py", "run_issue"): OFFLINE_VERIFIER,
    ("cli/log.py", "run_export"): OFFLINE_VERIFIER,
    ("cli/log.py", "_check_online"): OFFLINE_VERIFIER,
    ("cli/log.py", "run_rotate"): OFFLINE_VERIFIER,
    ("cli/bundle.py", "run_export"): OFFLINE_VERIFIER,
    ("cli/bundle.py", "_verify_online"): OFFLINE_VERIFIER,
    ("cli/settings.py", "run_set"): ("'config show' and 'config path' only read the settings "
                                     "file: the service that logs a change, and with it the "
                                     "case store and the signers, is imported by 'config set' "
                                     "alone (the other two start in half the time)"),
}
# Loops made only of annotations (``if TYPE_CHECKING:``), by the edge that closes them.
TYPE_ONLY_LOOPS: dict[tuple[str, str], str] = {
    ("gui.keys", "gui.main_window"): "the window's keyboard, split out of main_window for "
                                     "size, annotates the window it is installed on",
    ("gui.layout", "gui.main_window"): "the window's remembered layout, split out of "
                                       "main_window for size, annotates the window it saves",
}


def local_imports(root: Path = ROOT) -> dict[tuple[str, str], list[str]]:
    """Every internal import inside a function: ``(file, function) -> [line: module]``."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for i in all_imports(path, root):
            if i.function is not None:
                key = (path.relative_to(root).as_posix(), i.function)
                found.setdefault(key, []).append(f"{i.line}: {i.name}")
    return found


def module_of(path: Path, root: Path) -> str:
    """``store/log.py`` → ``store.log``; a package's ``__init__.py`` → the package."""
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = ROOT, allowed: dict[tuple[str, str], str] | None = None
                 ) -> dict[str, set[str]]:
    """Module → the modules it imports (at the top, in functions or for annotations),
    without the type-only edges of ``allowed``."""
    allowed = TYPE_ONLY_LOOPS if allowed is None else allowed
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        source = module_of(path, root)
        targets = graph.setdefault(source, set())
        for i in all_imports(path, root):
            target = i.name.split(".", 1)[1]
            if target in (source, "__main__") or not is_module(root, target.replace(".", "/")):
                continue
            if not (i.typing_only and (source, target) in allowed):
                targets.add(target)
    return graph


def loops(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected, Tarjan's order)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph.get(module, ())):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_internal_imports_sit_at_the_top_of_their_module() -> None:
    bad = [f"{file}:{line} in {function}()"
           for (file, function), lines in local_imports().items()
           if (file, function) not in LOCAL_IMPORTS for line in lines]
    assert not bad, "\n".join(bad)


def test_every_listed_local_import_is_still_needed() -> None:
    assert set(LOCAL_IMPORTS) <= set(local_imports()), \
        sorted(set(LOCAL_IMPORTS) - set(local_imports()))


def test_no_modules_import_each_other() -> None:
    assert loops(import_graph()) == []


def test_each_listed_type_only_loop_is_still_a_loop() -> None:
    graph = import_graph(allowed={})
    assert all(b in graph[a] and a in graph[b] or any(
        a in group and b in group for group in loops(graph)) for a, b in TYPE_ONLY_LOOPS)


@pytest.mark.parametrize(("files", "loop"), [
    ({"stacks/a.py": "from arbiter_app.stacks import b",
      "stacks/b.py": "import arbiter_app.stacks.a"},
     ["stacks.a", "stacks.b"]),
    ({"stacks/a.py": "from arbiter_app.stacks.b import X",
      "stacks/b.py": "from . import c", "stacks/c.py": "def f():\n    from .a import Y"},
     ["stacks.a", "stacks.b", "stacks.c"]),
    ({"stacks/a.py": "from arbiter_app.stacks import b",
      "stacks/b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                     "    from arbiter_app.stacks.a import A"},
     ["stacks.a", "stacks.b"]),
    ({"stacks/a.py": "from arbiter_app.stacks import b",
      "stacks/b.py": "from arbiter_app import errors"},
     None),
], ids=["two-modules", "three-through-a-function-and-a-relative-import", "type-only", "a-chain"])
def test_the_loop_check_sees_every_form_of_import(tmp_path: Path, files: dict[str, str],
                                                  loop: list[str] | None) -> None:
    fake = tmp_path / "arbiter_app"
    for name in ("stacks", "errors"):
        (fake / name).mkdir(parents=True)
        (fake / name / "__init__.py").write_text("", encoding="utf-8")
    for name, text in files.items():
        (fake / name).write_text(text + "\n", encoding="utf-8")
    assert loops(import_graph(fake, allowed={})) == ([loop] if loop else [])


def test_the_local_import_check_sees_methods_and_nested_functions(tmp_path: Path) -> None:
    fake = tmp_path / "arbiter_app"
    for name in ("cli", "stacks"):
        (fake / name).mkdir(parents=True)
    (fake / "stacks" / "clarity.py").write_text("", encoding="utf-8")
    (fake / "cli" / "x.py").write_text(
        "import json\nfrom arbiter_app import errors\n\nclass C:\n    def m(self):\n"
        "        import os\n        from arbiter_app import errors\n"
        "        def inner():\n            from arbiter_app.stacks import clarity\n",
        encoding="utf-8")
    assert local_imports(fake) == {("cli/x.py", "m"): ["7: arbiter_app.errors"],
                                   ("cli/x.py", "inner"): ["9: arbiter_app.stacks.clarity"]}
