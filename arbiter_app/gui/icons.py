"""Render the app's SVG icon to the PNG sizes a desktop's hicolor icon theme looks for.

Used by ``arbiter-app install-desktop``; it needs no display (Qt's offscreen platform when no
application exists yet).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from arbiter_app.errors import ArbiterError

if TYPE_CHECKING:
    from PySide6.QtSvg import QSvgRenderer

# The fixed sizes of the freedesktop hicolor theme that desktops ask for most.
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_pngs(svg: Path, targets: dict[int, Path]) -> None:
    """Draw ``svg`` into a transparent square PNG of each size, at each size's path.

    :param targets: size in pixels → the PNG file to write
    :raises ArbiterError: the SVG cannot be read or a PNG cannot be written
    """
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import QApplication

    # A QApplication (not only a QGuiApplication), so that the process can still open windows.
    app = QApplication.instance() or QApplication(["arbiter-app", "-platform", "offscreen"])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise ArbiterError(f"cannot read the icon {svg} as SVG")
    for size, out in targets.items():
        _render(renderer, size, out)
    del app  # kept alive until every PNG is drawn


def _render(renderer: QSvgRenderer, size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):  # PNG, from the suffix
        raise ArbiterError(f"cannot write the icon {out}")
