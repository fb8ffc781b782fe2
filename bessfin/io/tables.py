"""Tables written as CSV for spreadsheets: user text never becomes a formula."""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["FORMULA_TRIGGERS", "csv_safe", "csv_text"]

#: First characters that make a spreadsheet read a CSV cell as a formula (OWASP
#: "CSV Injection": =, +, -, @, tab, carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(v: Any) -> Any:
    """A cell for a CSV file that spreadsheets open: text starting with a formula trigger
    gets a leading single quote (``=1+2`` -> ``'=1+2``), as OWASP recommends; numbers, and
    every other value, are unchanged."""
    if isinstance(v, str) and v.startswith(FORMULA_TRIGGERS):
        return "'" + v
    return v


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`csv_text` applied to its text cells, index and column names."""
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c].dtype):
            out[c] = out[c].map(csv_text)
    if out.index.dtype == object:
        out.index = out.index.map(csv_text)
    out.columns = [csv_text(c) for c in out.columns]
    return out
