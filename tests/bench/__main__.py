"""Run every ``tests/bench/bench_*.py`` module (or those named) and print one table."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from tests.bench import Row, format_table


def main(names: list[str]) -> int:
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    if names:
        modules = [m for m in modules if any(n in m for n in names)]
    rows: list[Row] = []
    for name in modules:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"tests.bench.{name}")
        rows.extend(module.run())
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
