"""``make bench``: figures of the app's hot paths beside a reference measured in the same run.

Each ``tests/bench/bench_*.py`` module has a ``run() -> list[Row]`` function. A row names
what was measured, the figure and its unit, the reference figure measured in the same run (so
the ratio means something on any machine), the target and a verdict, ``met`` or ``MISSED``,
computed from the figures. Targets are the project's own, written as the issue that set them
wrote them; nothing here asserts, so a missed target shows in the table instead of failing.

Timings are medians of :data:`PAIRS` interleaved A/B pairs (:func:`interleaved`): the figure
and its reference run one after the other, the order swapped every pair, so a noisy
neighbour on a shared machine slows both sides instead of one. Rows that compare two
CPU-bound loops in this process time them by its CPU time (``time.process_time``, user and
system), which a neighbour stealing the cores does not inflate; rows that wait on other
processes or the network time them by the wall clock.
"""

from __future__ import annotations

import operator
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

PAIRS = 5
"""Interleaved pairs per timed row; the table prints the median of each side."""

_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_SHOWN = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}


@dataclass(frozen=True)
class Target:
    """A bound on a row's figure or on its ratio to the reference.

    :param op: ``<``, ``<=``, ``>`` or ``>=``
    :param bound: the number the figure (or ratio) is compared with
    :param on_ratio: compare the ratio to the reference, not the figure
    :param unit: the bound's unit as printed (``s``, ``ms``); empty for a ratio
    """

    op: str
    bound: float
    on_ratio: bool = False
    unit: str = ""

    def met_by(self, value: float, ratio: float | None) -> bool:
        """Whether a figure (and its ratio) meets this bound; a missing ratio never does."""
        subject = ratio if self.on_ratio else value
        return subject is not None and _COMPARE[self.op](subject, self.bound)

    def __str__(self) -> str:
        what = "ratio " if self.on_ratio else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"{what}{_SHOWN[self.op]} {self.bound:g}{unit}"


def ratio_at_least(bound: float) -> Target:
    """The ratio to the reference must be at least ``bound``."""
    return Target(">=", bound, on_ratio=True)


def ratio_at_most(bound: float) -> Target:
    """The ratio to the reference must be at most ``bound``."""
    return Target("<=", bound, on_ratio=True)


@dataclass(frozen=True)
class Row:
    """One measured figure beside its in-run reference, its targets and its verdict.

    :param name: what was measured
    :param value: the figure
    :param unit: its unit (``ops/s``, ``MB/s``, ``s``)
    :param reference: the reference figure in the same unit, or ``None``
    :param reference_name: what the reference is
    :param targets: every bound the row must meet (the issue's target; all must hold)
    :param samples: how many timed pairs the figure is the median of (1 for a count)
    """

    name: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    targets: tuple[Target, ...] = ()
    samples: int = 1

    @property
    def ratio(self) -> float | None:
        """``value / reference``, or ``None`` without a reference."""
        if not self.reference:
            return None
        return self.value / self.reference

    @property
    def verdict(self) -> str:
        """``met`` when every target holds, else ``MISSED`` (a row without targets: ``-``)."""
        if not self.targets:
            return "-"
        met = all(t.met_by(self.value, self.ratio) for t in self.targets)
        return "met" if met else "MISSED"


def median_seconds(operation: Callable[[], object], repeat: int = PAIRS) -> float:
    """The median wall time of ``repeat`` runs of ``operation``."""
    timed = seconds_of(operation)
    return statistics.median(timed() for _ in range(repeat))


def interleaved_figures(a: Callable[[], float], b: Callable[[], float],
                        pairs: int = PAIRS) -> tuple[float, float]:
    """Run ``a`` and ``b`` in ``pairs`` back-to-back pairs, swapping which runs first each
    pair; return the median of the figures each returned (e.g. seconds it measured itself)."""
    figures_a: list[float] = []
    figures_b: list[float] = []
    for i in range(pairs):
        order = ((a, figures_a), (b, figures_b)) if i % 2 == 0 else ((b, figures_b),
                                                                     (a, figures_a))
        for operation, figures in order:
            figures.append(operation())
    return statistics.median(figures_a), statistics.median(figures_b)


def seconds_of(operation: Callable[[], object],
               clock: Callable[[], float] = time.perf_counter) -> Callable[[], float]:
    """``operation`` made to return its own time on ``clock`` (default: the wall clock)."""
    def timed() -> float:
        start = clock()
        operation()
        return clock() - start
    return timed


def interleaved(a: Callable[[], object], b: Callable[[], object], pairs: int = PAIRS,
                clock: Callable[[], float] = time.perf_counter) -> tuple[float, float]:
    """Time ``a`` and ``b`` in interleaved pairs; return the median seconds of each."""
    return interleaved_figures(seconds_of(a, clock), seconds_of(b, clock), pairs)


def cpu_interleaved(a: Callable[[], object], b: Callable[[], object],
                    pairs: int = PAIRS) -> tuple[float, float]:
    """:func:`interleaved` on this process's CPU time, for two CPU-bound loops."""
    return interleaved(a, b, pairs, time.process_time)


def _figure(value: float, unit: str) -> str:
    return f"{value:,.2f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def format_table(rows: list[Row]) -> str:
    """The rows as a fixed-width text table, one verdict per row."""
    header = ("measured", "figure", "reference (same run)", "ratio", "target", "verdict", "n")
    lines = [header]
    for r in rows:
        ref = f"{_figure(r.reference, r.unit)} ({r.reference_name})" if r.reference else "-"
        ratio = f"{r.ratio:.3f}x" if r.ratio is not None else "-"
        target = "; ".join(str(t) for t in r.targets) or "-"
        lines.append((r.name, _figure(r.value, r.unit), ref, ratio, target, r.verdict,
                      str(r.samples)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
           for line in lines]
    out.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(out)
