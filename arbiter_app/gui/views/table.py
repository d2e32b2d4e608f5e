"""A table view for the row models: its delegate reads a role's "no value" as absent.

The row models never hand ``None`` to Qt (see :mod:`arbiter_app.gui.models.rows`); instead a
role they do not fill answers a null value of its type. Qt's item delegate would take an
unchecked check state for a check box, an empty icon for an icon's room and an empty size for
the cell's size. This delegate sizes cells from their contents (as Qt does when a model says
nothing) and draws no check box or icon, which these tables never have.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
        QStyle,
    QStyledItemDelegate,
        QStyleOptionViewItem,
    QTableView,
    QWidget,
)

Feature = QStyleOptionViewItem.ViewItemFeature
NOT_DRAWN = Feature.HasCheckIndicator | Feature.HasDecoration


class RowsDelegate(QStyledItemDelegate):
    """Qt's delegate, without check boxes or icons and sized from the text.

    A model with a ``shown(index)`` method (text, alignment, text brush or ``None``) is read
    through it in one Python call per cell, instead of Qt asking seven roles one by one.
    """

    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        shown = getattr(index.model(), "shown", None)
        if shown is None:
            super().initStyleOption(option, index)
            option.features &= ~NOT_DRAWN
            return
        text, alignment, brush = shown(index)
        if isinstance(index, QModelIndex):
            option.index = index
        option.text = text
        option.features |= Feature.HasDisplay
        option.displayAlignment = alignment
        if brush is not None:
            option.palette.setBrush(QPalette.ColorRole.Text, brush)

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else self.parent().style()
        return style.sizeFromContents(QStyle.ContentsType.CT_ItemViewItem, opt, QSize(), widget)


def rows_table(model: QAbstractItemModel, parent: QWidget | None = None) -> QTableView:
    """A row-selecting, single-selection table over ``model`` drawn by :class:`RowsDelegate`."""
    table = QTableView(parent)
    table.setItemDelegate(RowsDelegate(table))
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return table
