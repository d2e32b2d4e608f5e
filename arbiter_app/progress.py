"""Progress reports and cancellation shared by services, the CLI and the GUI (no Qt).

Long operations are generators that yield :class:`Progress` values and check a
:class:`CancelToken` between steps; the CLI prints the values, the GUI runner turns them
into signals.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TypeVar

from arbiter_app.errors import Cancelled

T = TypeVar("T")


@dataclass(frozen=True)
class Progress:
    """One step of a long operation.

    :param label: what is being done, in plain words
    :param done: units finished so far
    :param total: units in all, or ``None`` when unknown
    """

    label: str
    done: int = 0
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        """Share of the work done, from 0 to 1, or ``None`` when the total is unknown."""
        if not self.total:
            return None
        return min(1.0, self.done / self.total)


class CancelToken:
    """A thread-safe flag that an operation checks between its steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the operation to stop at its next check."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._event.is_set()

    def check(self) -> None:
        """:raises Cancelled: if :meth:`cancel` was called."""
        if self._event.is_set():
            raise Cancelled()


ProgressGenerator = Generator[Progress, None, T]


def run_to_end(
    operation: Generator[Progress, None, T],
    on_progress: Callable[[Progress], None] | None = None,
) -> T:
    """Drive a progress generator to its end and return its result.

    :param operation: the generator a service returned
    :param on_progress: called with each :class:`Progress` it yields
    :returns: the generator's return value
    """
    while True:
        try:
            step = next(operation)
        except StopIteration as end:
            result: T = end.value
            return result
        if on_progress is not None:
            on_progress(step)
