"""What was loaded: hours, imputed rows, DST days, dropped days, unavailable products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = ["DataReport"]


def _ranges(days: tuple[dt.date, ...]) -> str:
    """Compress sorted dates into ``a..b`` runs of consecutive days."""
    if not days:
        return "none"
    runs: list[tuple[dt.date, dt.date]] = []
    start = prev = days[0]
    for d in days[1:]:
        if (d - prev).days != 1:
            runs.append((start, prev))
            start = d
        prev = d
    runs.append((start, prev))
    return ", ".join(str(a) if a == b else f"{a}..{b}" for a, b in runs)


@dataclass(frozen=True)
class DataReport:
    """Facts about a validated price series.

    Attributes
    ----------
    source : str
        File path or description the prices came from.
    n_hours : int
        Rows (intervals) in the returned frame (hours for hourly data).
    interval_minutes : int
        Length of each interval [min]: 60, or a regular sub-hourly step (5, 10, 15, 30).
    first, last : str
        First and last interval start, UTC, ``YYYY-MM-DDTHH:MMZ`` ("" when empty).
    n_filled : int
        Returned rows whose source ``filled`` flag is True (an imputed price, see
        ``market_data/SOURCES.md``); 0 when the source has no such column.
    dst_days : dict of datetime.date to int
        Local operating days in the data whose calendar length is not 24 h: 23 (spring
        forward) or 25 (fall back) [h].
    dropped_days : dict of datetime.date to str
        Local days removed by ``on_missing="drop-days"``, with the reason.
    products_unavailable : dict of str to tuple of datetime.date
        Product id -> local days in the data on which the market does not offer it
        (``Product.available`` is False). Its price is NaN there by design.
    notes : tuple of str
        Other remarks (partial-year coverage, values blanked where a product is not
        offered, input re-sorted).
    """

    source: str
    n_hours: int
    interval_minutes: int = 60
    first: str = ""
    last: str = ""
    n_filled: int = 0
    dst_days: dict[dt.date, int] = field(default_factory=dict)
    dropped_days: dict[dt.date, str] = field(default_factory=dict)
    products_unavailable: dict[str, tuple[dt.date, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def spring_forward_days(self) -> tuple[dt.date, ...]:
        """Local days of 23 hours."""
        return tuple(d for d, h in self.dst_days.items() if h == 23)

    @property
    def fall_back_days(self) -> tuple[dt.date, ...]:
        """Local days of 25 hours."""
        return tuple(d for d, h in self.dst_days.items() if h == 25)

    def summary(self) -> str:
        """Human-readable multi-line summary of the report."""
        lines = [
            f"source: {self.source}",
            (f"hours: {self.n_hours}" if self.interval_minutes == 60 else
             f"intervals: {self.n_hours} x {self.interval_minutes} min")
            + f" ({self.first} .. {self.last})",
            f"imputed (filled) rows: {self.n_filled}",
            "DST days: "
            + (
                ", ".join(f"{d} ({h} h)" for d, h in sorted(self.dst_days.items()))
                if self.dst_days
                else "none"
            ),
        ]
        if self.dropped_days:
            lines.append(f"dropped days ({len(self.dropped_days)}):")
            lines += [f"  {d}: {why}" for d, why in sorted(self.dropped_days.items())]
        else:
            lines.append("dropped days: none")
        if self.products_unavailable:
            lines.append("products not offered (price NaN by design):")
            lines += [
                f"  {pid}: {len(days)} day(s): {_ranges(days)}"
                for pid, days in self.products_unavailable.items()
            ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)
