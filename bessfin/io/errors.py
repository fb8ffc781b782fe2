"""Errors raised while reading and validating price data."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["PriceDataError", "UnknownSeriesError", "format_utc"]

#: How many offending rows / timestamps an error message lists before "...".
MAX_LISTED = 5


def format_utc(ts: pd.Timestamp | pd.DatetimeIndex) -> str | list[str]:
    """Format UTC instants as ``2023-01-01T08:00Z`` (a list for an index)."""
    if isinstance(ts, pd.DatetimeIndex):
        return list(ts.tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ"))
    return pd.Timestamp(ts).tz_convert("UTC").strftime("%Y-%m-%dT%H:%MZ")


def _listing(items: Sequence[object], count: int) -> str:
    shown = ", ".join(str(i) for i in list(items)[:MAX_LISTED])
    return shown + (", ..." if count > MAX_LISTED else "")


class PriceDataError(ValueError):
    """Price data that does not meet bessfin's contract.

    The message names the source (a file path, or ``"frame"``), the column, what is wrong,
    how many rows are affected, the first offending rows (0-based data row numbers; in a
    CSV file the line number is row + 2) and timestamps, and what was expected.

    Attributes
    ----------
    source : str
        File path or ``"frame"``.
    column : str
        Column in the source that holds the offending values.
    problem : str
        What is wrong, e.g. ``"NaN prices"``.
    rows : tuple of int
        Offending 0-based data row numbers (all of them).
    timestamps : tuple of str
        Offending interval starts as ``YYYY-MM-DDTHH:MMZ`` (all of them, where known).
    count : int
        Number of offending rows (missing hours, for a gap).
    expected : str
        What the data should look like.
    argument : str
        The reader argument the problem is about (``"as_prices"``, ``"reserve_zone"``), so a
        caller can name its own option or key for it (``--reserve-zone``,
        ``market.reserve_zone``); ``""`` when it is about the data themselves.
    """

    def __init__(
        self,
        source: str,
        column: str,
        problem: str,
        *,
        expected: str,
        rows: Sequence[int] = (),
        timestamps: Sequence[str] = (),
        values: Sequence[object] = (),
        count: int | None = None,
        hint: str = "",
        unit: str = "row(s)",
        argument: str = "",
    ) -> None:
        self.source = str(source)
        self.argument = argument
        self.column = column
        self.problem = problem
        self.rows = tuple(int(r) for r in rows)
        self.timestamps = tuple(timestamps)
        self.values = tuple(values)
        self.count = int(count if count is not None else max(len(self.rows), len(timestamps)))
        self.expected = expected
        self.hint = hint
        parts = [f"{self.source}: column {column!r}: {problem}"]
        if self.count:
            parts.append(f" in {self.count} {unit}")
        details = []
        if self.rows:
            details.append(f"rows {_listing(self.rows, len(self.rows))}")
        if self.timestamps:
            details.append(f"first {_listing(self.timestamps, len(self.timestamps))}")
        if self.values:
            details.append(f"values {_listing([repr(v) for v in self.values], len(self.values))}")
        if details:
            parts.append(" (" + "; ".join(details) + ")")
        parts.append(f"; expected {expected}.")
        if hint:
            parts.append(f" {hint}")
        super().__init__("".join(parts))


class UnknownSeriesError(ValueError):
    """An ISO, market, year or node name that the shipped data do not have.

    The message lists what is available.
    """
