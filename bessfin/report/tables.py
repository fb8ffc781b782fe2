"""HTML tables: real ``<table>`` elements, numbers formatted and right-aligned.

Numeric cells also carry their unrounded value in ``data-value`` so a script or a test can
read the exact number while a reader copies the formatted one.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from html import escape

import numpy as np
import pandas as pd

from bessfin.report.fmt import format_value, is_missing


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def cell(value: object, kind: str = "text", tag: str = "td") -> str:
    """One table cell; numbers get class ``num`` and ``data-value``."""
    if _is_number(value) or (value is None and kind != "text"):
        raw = "" if is_missing(value) else f' data-value="{float(value):.10g}"'  # type: ignore[arg-type]
        cls = "num neg" if _is_number(value) and not is_missing(value) and value < 0 else "num"
        return f'<{tag} class="{cls}"{raw}>{escape(format_value(value, kind))}</{tag}>'
    text = escape(format_value(value, "text"))
    return f"<{tag}>{text.replace(chr(10), '<br>')}</{tag}>"


def render_table(
    frame: pd.DataFrame,
    *,
    caption: str = "",
    kind: str = "text",
    row_kinds: Mapping[object, str] | None = None,
    col_kinds: Mapping[object, str] | None = None,
    index: bool = True,
    index_label: str = "",
    row_classes: Mapping[object, str] | None = None,
    table_class: str = "",
) -> str:
    """A DataFrame as an HTML table.

    Parameters
    ----------
    frame
        Rows and columns to show (a MultiIndex on rows is joined with " / ").
    caption
        Caption (units belong here).
    kind
        Default formatting kind of every cell (see :func:`bessfin.report.fmt.format_value`).
    row_kinds, col_kinds
        Kind by row label or column label; a row's kind wins over a column's.
    index
        Show the row labels as a first header column.
    index_label
        Header of the row-label column.
    row_classes
        Extra CSS class by row label (e.g. ``"total"``).
    table_class
        Extra CSS class of the table.
    """
    row_kinds, col_kinds, row_classes = row_kinds or {}, col_kinds or {}, row_classes or {}
    head = [f"<th>{escape(index_label)}</th>"] if index else []
    head += [f'<th class="num">{escape(str(c))}</th>' if any(
        _is_number(v) for v in frame[c]) else f"<th>{escape(str(c))}</th>"
        for c in frame.columns]
    body = []
    for label, row in frame.iterrows():
        name = " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)
        cells = [f'<th scope="row">{escape(name)}</th>'] if index else []
        for col, value in row.items():
            k = row_kinds.get(label) or col_kinds.get(col) or kind
            cells.append(cell(value if not hasattr(value, "item") else value.item(), k))
        cls = row_classes.get(label)
        attr = f' class="{escape(cls)}"' if cls else ""
        body.append(f"<tr{attr}>{''.join(cells)}</tr>")
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    cls = f' class="{escape(table_class)}"' if table_class else ""
    return (f'<div class="table-wrap"><table{cls}>{cap}<thead><tr>{"".join(head)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')
