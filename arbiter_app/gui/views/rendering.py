"""One render at a time: the viewer's link between a widget and the render child.

A :class:`Renderer` runs :func:`~arbiter_app.gui.render_process.render` on the task runner.
Starting a new render stops the one under way (its child process is killed) and forgets what
it would have shown, so paging quickly through a document never leaves children behind or
shows a page the arbiter has already left. Every outcome reaches the widget as a
:class:`~arbiter_app.gui.render_process.Rendering`: content, or a refusal saying why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from arbiter_app.errors import Cancelled
from arbiter_app.gui.render_process import LIMITS, Rendering, RenderLimits, render
from arbiter_app.gui.tasks import Task
from arbiter_app.gui.zoom import PageRequest

log = logging.getLogger(__name__)
UNRUNNABLE = "This file could not be shown: the separate renderer could not be run."


class Renderer(QObject):
    """Renders for ``owner``, one request at a time, within ``limits``."""

    def __init__(self, owner: QWidget, limits: RenderLimits = LIMITS) -> None:
        super().__init__(owner)
        self.owner = owner
        self.limits = limits
        self._request = 0  # outcomes of earlier requests are dropped
        self._task: Task | None = None

    @property
    def running(self) -> bool:
        """Whether a render is under way."""
        return self._task is not None

    def start(self, kind: str, data: bytes, request: PageRequest,
              on_done: Callable[[Rendering], None]) -> None:
        """Stop the render under way and render ``data`` as ``kind``; ``on_done`` gets the
        outcome on the GUI thread, unless another render was started first."""
        self.stop()
        number, limits = self._request, self.limits

        def done(got: Rendering) -> None:
            if number == self._request:
                self._task = None
                on_done(got)

        def failed(error: BaseException) -> None:
            if number == self._request and not isinstance(error, Cancelled):
                log.error("the render child could not be run", exc_info=error)
                done(Rendering(refusal=UNRUNNABLE))

        self._task = (
            Task(lambda token: render(kind, data, request, limits, token), parent=self.owner)
            .on_success(done)
            .on_failure(failed)
            .run())

    def stop(self) -> None:
        """Forget the render under way (its child is killed) and anything it would show."""
        self._request += 1
        if self._task is not None:
            self._task.cancel()
            self._task = None
