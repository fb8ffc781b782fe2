"""Price forecasts as functions of (decision time, published history).

A decision window that starts at interval ``t0`` (UTC) is decided before ``t0``'s day-ahead
market clears: day-ahead results for local day D are published on day D-1, so the decision for
D, and for any lookahead beyond D, may use only prices of intervals before the start of D.
:func:`bessfin.dispatch.horizons.run_horizon` enforces this by construction: it hands a
forecaster only the rows of the actual price frame that lie strictly before the window's first
interval (``history``), and asks for prices at the window's intervals (``targets``).

A forecaster returns a frame with the history's columns at ``targets``, or ``None`` when it has
nothing to go on (the first window of a series: no published history); the window then idles.
Equations: ``docs/dispatch.md`` (Horizons).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

#: Rows of history a persistence forecast looks at: eight local days of up to 25 hours.
_TAIL_ROWS = 8 * 25


class Forecaster(Protocol):
    """Prices at ``targets`` from the ``history`` published before the decision."""

    def __call__(
        self, history: pd.DataFrame, targets: pd.DatetimeIndex, timezone: str
    ) -> pd.DataFrame | None: ...


def _local_day_hour(
    index: pd.DatetimeIndex, timezone: str, per_hour: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Local calendar day (days since epoch) and local clock slot of each interval: the hour
    for hourly data, else hour x ``per_hour`` + the interval within the hour."""
    local = index.tz_convert(timezone).tz_localize(None)
    days = local.to_numpy().astype("datetime64[D]").astype(np.int64)
    slot = np.asarray(local.hour, dtype=np.int64) * per_hour
    if per_hour > 1:
        slot += np.asarray(local.minute, dtype=np.int64) * per_hour // 60
    return days, slot


def _per_hour(index: pd.DatetimeIndex) -> int:
    """Intervals per hour of a regular series (1 for hourly or a single row)."""
    if len(index) < 2:
        return 1
    steps, counts = np.unique(np.diff(index.asi8), return_counts=True)
    minutes = pd.Timedelta(int(steps[np.argmax(counts)]), unit=index.unit) / pd.Timedelta(
        minutes=1)
    return max(1, int(round(60 / minutes))) if minutes < 60 else 1


@dataclass(frozen=True)
class Persistence:
    """Tomorrow looks like a published day: the latest one (``period_days=1``) or the latest
    one on the same weekday (``period_days=7``, falling back to the latest published day when
    no such day is in the history).

    Each target interval at local clock hour h takes the price of hour h of its source day
    (sub-hourly data: the same interval of the hour, e.g. 14:45 from 14:45); a
    source day without that hour (spring-forward day) gives the nearest earlier hour (hour 0
    missing: the next hour), a fall-back day's repeated hour gives its first occurrence. A NaN
    (a product not offered on the source day) forecasts $0.
    """

    period_days: int = 1

    @property
    def name(self) -> str:
        return "persistence-day" if self.period_days == 1 else "persistence-week"

    def __call__(
        self, history: pd.DataFrame, targets: pd.DatetimeIndex, timezone: str
    ) -> pd.DataFrame | None:
        pos = self.positions(pd.DatetimeIndex(history.index), targets, timezone)
        if pos is None:
            return None
        per_hour = _per_hour(pd.DatetimeIndex(history.index))
        first = max(len(history) - _TAIL_ROWS * per_hour, 0)
        values = np.nan_to_num(history.iloc[first:].to_numpy(dtype=float)[pos - first], nan=0.0)
        return pd.DataFrame(values, index=targets, columns=history.columns)

    def positions(
        self, history: pd.DatetimeIndex, targets: pd.DatetimeIndex, timezone: str
    ) -> np.ndarray | None:
        """Row of ``history`` whose price forecasts each target (``None``: no history).
        Depends on timestamps only, so a driver may compute it once per window and re-use it
        for any prices on the same index."""
        if len(history) == 0:
            return None
        per_hour = _per_hour(history)
        first = max(len(history) - _TAIL_ROWS * per_hour, 0)
        h_day, h_hour = _local_day_hour(history[first:], timezone, per_hour)
        t_day, t_hour = _local_day_hour(targets, timezone, per_hour)
        return self._source_rows(h_day, h_hour, t_day, t_hour, per_hour) + first

    def plan(self, index: pd.DatetimeIndex, timezone: str, starts: np.ndarray,
             stops: np.ndarray) -> list[np.ndarray | None]:
        """:meth:`positions` of every window ``index[a:c]`` (its history ``index[:a]``), for
        (a, c) in (``starts``, ``stops``), with the local calendar computed once."""
        per_hour = _per_hour(index)
        day, hour = _local_day_hour(index, timezone, per_hour)
        out: list[np.ndarray | None] = []
        for a, c in zip(starts, stops, strict=True):
            if a == 0:
                out.append(None)
                continue
            first = max(int(a) - _TAIL_ROWS * per_hour, 0)
            out.append(self._source_rows(day[first:a], hour[first:a], day[a:c], hour[a:c],
                                         per_hour) + first)
        return out

    def _source_rows(self, h_day: np.ndarray, h_hour: np.ndarray, t_day: np.ndarray,
                     t_hour: np.ndarray, per_hour: int) -> np.ndarray:
        """Row of the history tail (local days ``h_day``, clock slots ``h_hour``) whose price
        forecasts each target (local days ``t_day``, slots ``t_hour``)."""
        first_day = int(h_day.min())
        span = int(h_day.max()) - first_day + 1
        table = np.full((span, 24 * per_hour), -1, dtype=np.int64)
        # a repeated (fall-back) hour keeps its first occurrence
        cell = (h_day - first_day) * (24 * per_hour) + h_hour
        cells, first_rows = np.unique(cell, return_index=True)
        table.ravel()[cells] = first_rows
        latest = int(h_day.max())
        if self.period_days == 1:
            source = np.full(len(t_day), latest)
        else:
            back = np.ceil((t_day - latest) / self.period_days).astype(np.int64)
            source = t_day - self.period_days * np.maximum(back, 0)
            present = (table[np.clip(source - first_day, 0, span - 1)] >= 0).any(axis=1)
            source = np.where((source >= first_day) & present, source, latest)
        rows = table[source - first_day]  # (targets, slots) positions of each source day
        filled = _fill_hours(rows)
        pos = filled[np.arange(len(t_day)), t_hour]
        if (pos < 0).any():  # pragma: no cover - a present day has at least one hour
            raise ValueError("persistence forecast found an empty source day")
        return pos


def _fill_hours(rows: np.ndarray) -> np.ndarray:
    """Fill missing hours (-1) of each row from the nearest earlier hour, else the next."""
    out = rows.copy()
    for h in range(1, out.shape[1]):
        gap = out[:, h] < 0
        out[gap, h] = out[gap, h - 1]
    for h in range(out.shape[1] - 2, -1, -1):
        gap = out[:, h] < 0
        out[gap, h] = out[gap, h + 1]
    return out


@dataclass(frozen=True)
class UserForecast:
    """A forecast frame the user supplies (same columns as the prices, every target hour).

    bessfin cannot know when such a forecast was made: the user asserts that each value was
    known before the decision for its interval.
    """

    frame: pd.DataFrame
    source: str = "user forecast"

    name = "user"

    def __call__(
        self, history: pd.DataFrame, targets: pd.DatetimeIndex, timezone: str
    ) -> pd.DataFrame:
        columns = list(history.columns) if not history.empty else list(self.frame.columns)
        missing_cols = [c for c in columns if c not in self.frame.columns]
        if missing_cols:
            raise ValueError(f"{self.source}: forecast lacks price columns {missing_cols}")
        out = self.frame.reindex(targets)[columns]
        if out["energy"].isna().any():
            first = targets[np.argmax(out["energy"].isna().to_numpy())]
            raise ValueError(f"{self.source}: no forecast for interval {first.isoformat()}; "
                             "expected every hour of the dispatched prices")
        return out.fillna(0.0)


@dataclass(frozen=True, eq=False)
class HourAhead:
    """Real-time information at each hour-ahead decision (one RT interval at a time, an hour
    on hourly data).

    A window deciding intervals ``a .. b-1`` (one interval with ``"interval"`` windows) is
    decided on the *actual* price of those intervals (a price-responsive real-time offer
    clears at the price of the interval it is dispatched in) and, for every later interval
    ``b .. c-1`` of its lookahead, the ``published`` price of that interval: the day-ahead
    price, published the day before. :meth:`plan` names these rows of the stacked matrix
    [actual; published] that :func:`bessfin.dispatch.horizons.run_horizon` builds (rows
    ``n + j`` are published rows).

    Attributes
    ----------
    published : (intervals x price columns) prices known before each interval's local day
        (on the actual series' index and columns). A lookahead past the decision's own local
        day is refused: the next day's day-ahead prices are not published at every hour.
    """

    published: np.ndarray

    name = "hour-ahead"

    def plan(self, index: pd.DatetimeIndex, timezone: str, starts: np.ndarray,
             stops: np.ndarray) -> list[np.ndarray | None]:
        """Rows of [actual; published] each window ``(a, c)`` is decided on: actual rows of
        its decision part (up to the next window's start), published rows after it."""
        n = len(index)
        ends = np.r_[starts[1:], n]
        day, _ = _local_day_hour(index, timezone)
        out: list[np.ndarray | None] = []
        for a, b, c in zip(starts.tolist(), ends.tolist(), stops.tolist(), strict=True):
            if c > b and day[c - 1] != day[a]:
                raise ValueError(
                    f"hour-ahead: the window at {index[a].isoformat()} looks into the next "
                    "local day, whose day-ahead prices are not published at every hour; "
                    "expected a lookahead to the end of the day")
            out.append(np.r_[np.arange(a, b), n + np.arange(b, c)])
        return out


#: Persistence forecasters by name.
PERSISTENCE: dict[str, Persistence] = {
    "persistence-day": Persistence(1),
    "persistence-week": Persistence(7),
}
