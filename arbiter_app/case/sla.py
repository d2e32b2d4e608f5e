"""The response SLA: an arbiter has a configured number of hours from the dispute's block time.

docs/ARCHITECTURE.md §1 asks arbiters to "respond within a documented SLA"; the clock starts at
the time of the block that raised the dispute (chain time, not the time the app first saw it),
and the queue shows the time remaining, negative once overdue.
"""

from __future__ import annotations

from dataclasses import dataclass

from arbiter_app.case.models import Dispute


@dataclass(frozen=True)
class SlaClock:
    """Where a dispute stands against its SLA.

    :param due_at: the deadline (Unix seconds)
    :param remaining: seconds left; negative when overdue
    """

    due_at: int
    remaining: int

    @property
    def overdue(self) -> bool:
        """The deadline has passed."""
        return self.remaining < 0

    def label(self) -> str:
        """A short text for the queue, e.g. ``"2d 03h left"`` or ``"5h 10m overdue"``."""
        seconds = abs(self.remaining)
        days, rest = divmod(seconds, 86400)
        hours, rest = divmod(rest, 3600)
        minutes = rest // 60
        text = f"{days}d {hours:02d}h" if days else f"{hours}h {minutes:02d}m"
        return f"{text} overdue" if self.overdue else f"{text} left"


def sla_clock(dispute: Dispute, sla_hours: int, now: int) -> SlaClock:
    """The SLA clock of ``dispute`` at ``now``.

    :param dispute: the dispute (its ``raised_time`` starts the clock)
    :param sla_hours: the configured response time (``Settings.sla_hours``)
    :param now: the current time, Unix seconds
    """
    due = dispute.raised_time + sla_hours * 3600
    return SlaClock(due_at=due, remaining=due - now)
