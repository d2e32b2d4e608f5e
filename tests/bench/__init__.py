"""``make bench``: figures of the app's hot paths beside a reference measured in the same run.

Each ``tests/bench/bench_*.py`` module has a ``run() -> list[Row]`` function. A row names
what was measured, the figure and its unit, and the reference figure measured in the same
run, so the ratio means something on any machine. Nothing here asserts a time: targets are
printed next to the figures, and judged by people.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One measured figure beside its in-run reference.

    :param name: what was measured
    :param value: the figure
    :param unit: its unit (``ops/s``, ``MB/s``, ``s``)
    :param reference: the reference figure in the same unit, or ``None``
    :param reference_name: what the reference is
    :param target: the target, in words (e.g. ``ratio >= 0.8``)
    """

    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    target: str = ""

    @property
    def ratio(self) -> float | None:
        """``value / reference``, or ``None`` without a reference."""
        if not self.reference:
            return None
        return self.value / self.reference


def rate(operation: Callable[[], object], count: int) -> float:
    """Run ``operation`` ``count`` times and return operations per second."""
    start = time.perf_counter()
    for _ in range(count):
        operation()
    return count / (time.perf_counter() - start)


def format_table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table."""
    header = ("measured", "figure", "reference", "ratio", "target")
    lines = [header]
    for r in rows:
        ref = f"{r.reference:,.2f} {r.unit} ({r.reference_name})" if r.reference else "-"
        ratio = f"{r.ratio:.2f}x" if r.ratio is not None else "-"
        lines.append((r.name, f"{r.value:,.2f} {r.unit}", ref, ratio, r.target or "-"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
