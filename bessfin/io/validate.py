"""Checks that turn raw price columns into a validated :class:`PriceData`.

Every check raises :class:`PriceDataError` naming the source, the column, the offending
rows and timestamps and what was expected. Nothing is ever filled.

Unit heuristics (documented in ``docs/data.md``):

* ``ENERGY_MEDIAN_ABS_MAX``: an energy column whose median absolute value exceeds
  1000 $/MWh is refused (it looks like cents/MWh, or a scaled $/kWh value). No real
  ISO year has a median above a few hundred $/MWh.
* ``KWH_MEDIAN_ABS_MAX`` and ``KWH_MAX_ABS``: an energy column whose median absolute
  value is below 0.5 and whose largest absolute value is below 5 is refused as
  "looks like $/kWh" (a year of $/MWh prices always has hours above 5 $/MWh).
* ``CAPACITY_MEDIAN_ABS_MAX``: a product capacity price column whose median absolute
  value exceeds 1000 $/MW-h is refused the same way.

Bounds on every value (not only the median): ``|price| <= market.price_bounds.bound``
(a multiple of the ISO's offer cap, kept in the market data file); the error names the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bessfin.io.errors import PriceDataError, format_utc
from bessfin.io.prices import ENERGY, INDEX_NAME, MILEAGE_SUFFIX, OnMissing, PriceData
from bessfin.io.quality import DataReport
from bessfin.markets import Market

__all__ = [
    "CAPACITY_MEDIAN_ABS_MAX",
    "ENERGY_MEDIAN_ABS_MAX",
    "KWH_MAX_ABS",
    "KWH_MEDIAN_ABS_MAX",
    "ON_MISSING",
    "RawPrices",
    "build_price_data",
    "parse_timestamps",
]

#: Energy prices with a larger median |price| are refused as mis-scaled [$/MWh].
ENERGY_MEDIAN_ABS_MAX = 1000.0
#: Energy prices with a smaller median |price| (and max below KWH_MAX_ABS) look like $/kWh.
KWH_MEDIAN_ABS_MAX = 0.5
#: Largest |price| of a column that can be flagged as $/kWh [$/MWh].
KWH_MAX_ABS = 5.0
#: Capacity prices with a larger median |price| are refused as mis-scaled [$/MW-h].
CAPACITY_MEDIAN_ABS_MAX = 1000.0
#: Cell texts read as a missing price (any other non-numeric text is an error).
MISSING_TEXT = ("", "nan")
#: Allowed values of ``on_missing``.
ON_MISSING = ("raise", "drop-days")

_MINUTE_US = 60_000_000
_ONE_HOUR = pd.Timedelta(hours=1)
#: Interval lengths a price series may have [min]: regular steps that divide the clock hour.
INTERVAL_MINUTES = (5, 10, 15, 30, 60)


@dataclass
class RawPrices:
    """Columns picked out of a source, before any check.

    Attributes
    ----------
    source : str
        File path or ``"frame"``, for messages.
    time_column : str
        Name of the timestamp column in the source, for messages.
    timestamps : pandas.DatetimeIndex
        Interval starts, tz-aware (any zone), in source row order.
    columns : dict
        Canonical column (``energy``, product id, ``<id>_mileage``) -> (source column
        name, values in source row order, any dtype).
    filled : numpy.ndarray of bool, optional
        The source's ``filled`` flag per row.
    notes : list of str
        Remarks to carry into the report.
    """

    source: str
    time_column: str
    timestamps: pd.DatetimeIndex
    columns: dict[str, tuple[str, pd.Series]]
    filled: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def parse_timestamps(
    values: pd.Series, *, source: str, column: str, assume_utc: bool
) -> pd.DatetimeIndex:
    """Parse a timestamp column into a tz-aware UTC index.

    Parameters
    ----------
    values : pandas.Series
        ISO 8601 strings with ``Z`` or a UTC offset, or datetimes (tz-aware, or naive when
        ``assume_utc``).
    source, column : str
        For error messages.
    assume_utc : bool
        Whether naive values are UTC (true for a column named ``timestamp_utc``).

    Returns
    -------
    pandas.DatetimeIndex
        UTC, microsecond unit, in row order.

    Raises
    ------
    PriceDataError
        Unparseable values, or naive values when ``assume_utc`` is False.
    """
    s = pd.Series(values).reset_index(drop=True)
    fix = (
        "give the UTC offset in the value (e.g. '2024-01-01T00:00:00-06:00'), name the column "
        "'timestamp_utc' if the times are UTC, or localize before saving, e.g. "
        "df['timestamp'] = df['timestamp'].dt.tz_localize('America/Chicago', "
        "ambiguous='infer', nonexistent='raise')"
    )
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = pd.DatetimeIndex(s).tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(s.dtype):
        if not assume_utc:
            raise PriceDataError(
                source,
                column,
                "naive timestamps (no time zone)",
                rows=range(min(len(s), 5)),
                timestamps=[str(v) for v in s.head(5)],
                count=len(s),
                expected="tz-aware interval starts",
                hint=f"Fix: {fix}.",
            )
        out = pd.DatetimeIndex(s).tz_localize("UTC")
    else:
        text = s.astype("string").str.strip()
        aware = text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
        if not assume_utc and not aware.all():
            bad = np.flatnonzero(~aware.to_numpy())
            raise PriceDataError(
                source,
                column,
                "naive timestamps (no UTC offset)",
                rows=bad,
                values=text.iloc[bad[:5]].tolist(),
                count=len(bad),
                expected="ISO 8601 interval starts with 'Z' or a UTC offset",
                hint=f"Fix: {fix}.",
            )
        try:
            out = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601", utc=True))
        except (ValueError, TypeError):
            parsed = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
            bad = np.flatnonzero(parsed.isna().to_numpy())
            raise PriceDataError(
                source,
                column,
                "unparseable timestamps",
                rows=bad,
                values=text.iloc[bad[:5]].tolist(),
                count=len(bad),
                expected="ISO 8601 interval starts such as '2024-01-01T06:00:00Z'",
            ) from None
        if out.isna().any():
            bad = np.flatnonzero(out.isna())
            raise PriceDataError(
                source,
                column,
                "empty or unparseable timestamps",
                rows=bad,
                values=text.iloc[bad[:5]].tolist(),
                count=len(bad),
                expected="an interval start in every row",
            )
    return out.as_unit("us").rename(INDEX_NAME)


def _to_float(raw: RawPrices, canon: str) -> np.ndarray:
    """Convert one column to float64, refusing non-numeric values."""
    name, values = raw.columns[canon]
    s = pd.Series(values).reset_index(drop=True)
    problem = f"non-numeric values ({canon})"
    if pd.api.types.is_float_dtype(s.dtype) or pd.api.types.is_integer_dtype(s.dtype):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.flatnonzero(np.isinf(arr))
        problem = f"infinite values ({canon})"
    elif pd.api.types.is_bool_dtype(s.dtype):
        bad = np.arange(len(s))
    else:
        num = pd.to_numeric(s, errors="coerce")
        text = s.astype("string").str.strip()
        blank = (s.isna() | text.str.lower().isin(MISSING_TEXT)).to_numpy(dtype=bool)
        bad = np.flatnonzero(num.isna().to_numpy() & ~blank)
        arr = num.to_numpy(dtype=np.float64, na_value=np.nan)
        if not len(bad) and np.isinf(arr).any():
            bad = np.flatnonzero(np.isinf(arr))
            problem = f"infinite values ({canon})"
    if not len(bad):
        return arr
    ts = raw.timestamps[bad]
    raise PriceDataError(
        raw.source,
        name,
        problem,
        rows=bad,
        timestamps=format_utc(ts[:5]),
        values=s.iloc[bad[:5]].tolist(),
        count=len(bad),
        expected="finite numbers (empty cells are read as missing)",
    )


def interval_minutes(ts: pd.DatetimeIndex) -> int:
    """The interval of sorted, unique interval starts [min]: the most common step between
    consecutive starts (gaps only add longer steps); 60 for a single row."""
    if len(ts) < 2:
        return 60
    values, counts = np.unique(np.diff(ts.asi8), return_counts=True)
    step = int(values[np.argmax(counts)])
    return step // _MINUTE_US if step % _MINUTE_US == 0 else -1


def _check_interval(raw: RawPrices, ts: pd.DatetimeIndex, rows: np.ndarray) -> int:
    """Rule 2: a regular interval that divides the hour, every start on its grid [min]."""
    minutes = interval_minutes(ts)
    if minutes not in INTERVAL_MINUTES:
        steps = np.diff(ts.asi8) // _MINUTE_US
        raise PriceDataError(
            raw.source,
            raw.time_column,
            f"irregular interval starts (most common step {np.median(steps):g} min)",
            rows=rows[:5],
            timestamps=format_utc(ts[:5]),
            count=len(ts),
            expected=f"a regular interval of {', '.join(map(str, INTERVAL_MINUTES))} minutes",
            hint="Resample to one of these intervals first, e.g. "
            "df.resample('15min', on='interval_start').mean().",
        )
    off = np.flatnonzero(ts.asi8 % (minutes * _MINUTE_US) != 0)
    if len(off):
        grid = "on the hour" if minutes == 60 else f"on the {minutes}-minute grid"
        raise PriceDataError(
            raw.source,
            raw.time_column,
            f"timestamps not {grid}",
            rows=rows[off],
            timestamps=[t.strftime("%Y-%m-%dT%H:%M:%SZ") for t in ts[off[:5]]],
            count=len(off),
            expected="hourly interval starts at minute 0" if minutes == 60
            else f"{minutes}-minute interval starts at multiples of {minutes} minutes",
            hint="Resample to a regular interval first, e.g. "
            "df.resample('h', on='interval_start').mean().",
        )
    return minutes


def _check_duplicates(raw: RawPrices, ts: pd.DatetimeIndex, rows: np.ndarray, tz: str) -> None:
    dup = ts.duplicated(keep=False)
    if dup.any():
        where = np.flatnonzero(dup)
        local = ts[where[:1]].tz_convert(tz)[0]
        raise PriceDataError(
            raw.source,
            raw.time_column,
            "duplicated timestamps",
            rows=rows[where],
            timestamps=format_utc(ts[where]),
            count=len(where),
            expected="each UTC hour once (the DST fall-back hour is two different UTC "
            "hours, e.g. 2024-11-03T06:00Z and 07:00Z in ERCOT)",
            hint=f"The first duplicate is {local.isoformat()} local. If local times were "
            "converted without their UTC offsets the repeated fall-back hour collapses into "
            "one; otherwise remove the duplicated rows.",
        )


def _year_bounds(year: int, tz: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(year=year, month=1, day=1).tz_localize(tz).tz_convert("UTC")
    end = pd.Timestamp(year=year + 1, month=1, day=1).tz_localize(tz).tz_convert("UTC")
    return start, end


def _check_year(
    raw: RawPrices,
    ts: pd.DatetimeIndex,
    rows: np.ndarray,
    year: int,
    tz: str,
    allow_partial: bool,
    step: pd.Timedelta = _ONE_HOUR,
) -> None:
    start, end = _year_bounds(year, tz)
    span = f"the data cover {format_utc(ts[0])} .. {format_utc(ts[-1])}"
    want = f"interval starts from {format_utc(start)} to {format_utc(end - step)}"
    outside = np.flatnonzero((ts < start) | (ts >= end))
    if len(outside):
        raise PriceDataError(
            raw.source,
            raw.time_column,
            f"timestamps outside the requested year {year} ({span})",
            rows=rows[outside],
            timestamps=format_utc(ts[outside]),
            count=len(outside),
            expected=f"local calendar year {year} ({tz}): {want}",
        )
    if not allow_partial and (ts[0] > start or ts[-1] < end - step):
        raise PriceDataError(
            raw.source,
            raw.time_column,
            f"the data do not cover the requested year {year} ({span})",
            expected=f"the whole local calendar year {year} ({tz}): {want}",
        )


def _check_units(
    raw: RawPrices, canon: str, values: np.ndarray, ts: pd.DatetimeIndex, rows: np.ndarray
) -> None:
    ok = np.flatnonzero(~np.isnan(values))
    if not len(ok):
        return
    mag = np.abs(values[ok])
    median = float(np.median(mag))
    name = raw.columns[canon][0]
    sample = dict(rows=rows[ok], timestamps=format_utc(ts[ok[:5]]), values=values[ok[:5]].tolist())
    if canon == ENERGY:
        if median > ENERGY_MEDIAN_ABS_MAX:
            raise PriceDataError(
                raw.source,
                name,
                f"energy prices look mis-scaled: not $/MWh (median |price| {median:.4g} > "
                f"{ENERGY_MEDIAN_ABS_MAX:g}; cents/MWh or $/kWh x 1e6?)",
                count=len(ok),
                expected="$/MWh",
                **sample,
            )
        if median < KWH_MEDIAN_ABS_MAX and float(mag.max()) < KWH_MAX_ABS:
            raise PriceDataError(
                raw.source,
                name,
                f"unit looks like $/kWh (median |price| {median:.4g} < "
                f"{KWH_MEDIAN_ABS_MAX:g} and max |price| {float(mag.max()):.4g} < "
                f"{KWH_MAX_ABS:g})",
                count=len(ok),
                expected="$/MWh (multiply $/kWh by 1000)",
                **sample,
            )
    elif not canon.endswith(MILEAGE_SUFFIX) and median > CAPACITY_MEDIAN_ABS_MAX:
        raise PriceDataError(
            raw.source,
            name,
            f"capacity prices look mis-scaled (median |price| {median:.4g} > "
            f"{CAPACITY_MEDIAN_ABS_MAX:g})",
            count=len(ok),
            expected="$/MW-h",
            **sample,
        )


def _check_bounds(
    raw: RawPrices, canon: str, values: np.ndarray, ts: pd.DatetimeIndex, rows: np.ndarray,
    market: Market,
) -> None:
    """Every value within the market's plausibility bound (``market.price_bounds``)."""
    b = market.price_bounds
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(np.abs(values) > b.bound)
    if not len(bad):
        return
    raise PriceDataError(
        raw.source,
        raw.columns[canon][0],
        f"price(s) beyond +-{b.bound:,.0f} ({b.multiple:g} x the {market.name} offer cap "
        f"${b.offer_cap_usd_per_mwh:,.0f}/MWh, assumption {b.assumption!r})",
        rows=rows[bad],
        timestamps=format_utc(ts[bad[:5]]),
        values=values[bad[:5]].tolist(),
        count=len(bad),
        expected=f"|price| <= {b.bound:,.0f} in every row (one hour at such a price would go "
        "straight into revenue)",
        hint="Fix or remove the row(s); see docs/data.md, price bounds.",
    )


def _product_of(canon: str) -> str | None:
    if canon == ENERGY:
        return None
    return canon[: -len(MILEAGE_SUFFIX)] if canon.endswith(MILEAGE_SUFFIX) else canon


def _column_order(market: Market, present: list[str]) -> list[str]:
    ids = [p.id for p in market.products]
    out = [ENERGY]
    out += [p for p in ids if p in present]
    out += [p + MILEAGE_SUFFIX for p in ids if p + MILEAGE_SUFFIX in present]
    return out


def _dst_days(days: pd.DatetimeIndex, tz: str) -> dict[dt.date, int]:
    uniq = days.unique()
    if not len(uniq):
        return {}
    start = uniq.tz_localize(tz)
    end = (uniq + pd.Timedelta(days=1)).tz_localize(tz)
    hours = np.asarray((end - start) / pd.Timedelta(hours=1)).round().astype(int)
    return {uniq[i].date(): int(hours[i]) for i in np.flatnonzero(hours != 24)}


def _sort_rows(
    raw: RawPrices, notes: list[str]
) -> tuple[pd.DatetimeIndex, np.ndarray, dict[str, np.ndarray], np.ndarray | None]:
    """Rows in time order: interval starts, source row numbers, float columns, filled flags."""
    ts0 = raw.timestamps
    values0 = {c: _to_float(raw, c) for c in raw.columns}
    order = np.argsort(ts0.asi8, kind="stable")
    if not (order == np.arange(len(ts0))).all():
        notes.append("input rows were not in time order; sorted by interval start")
    values = {c: v[order] for c, v in values0.items()}
    filled = raw.filled[order] if raw.filled is not None else None
    return ts0[order], order, values, filled


def _partial_year_note(
    ts: pd.DatetimeIndex, year: int, tz: str, step: pd.Timedelta = _ONE_HOUR
) -> list[str]:
    """A note when sorted ``ts`` cover only part of local calendar ``year``."""
    start, end = _year_bounds(year, tz)
    if ts[0] > start or ts[-1] < end - step:
        return [f"partial year: data cover {format_utc(ts[0])} .. {format_utc(ts[-1])} of {year}"]
    return []


def _blank_unavailable(
    values: dict[str, np.ndarray], market: Market, days: pd.DatetimeIndex, notes: list[str]
) -> tuple[dict[str, np.ndarray], dict[str, tuple[dt.date, ...]]]:
    """Set prices on days a product is not offered to NaN (in place).

    Returns the per-column mask of hours that must carry a price and, per product, the local
    days it is not offered.
    """
    unavailable: dict[str, tuple[dt.date, ...]] = {}
    must_have = {}
    for c, v in values.items():
        pid = _product_of(c)
        if pid is None:
            must_have[c] = np.ones(len(v), dtype=bool)
            continue
        avail = market.product(pid).available(days)
        must_have[c] = avail
        if avail.all():
            continue
        blank = ~avail & ~np.isnan(v)
        if blank.any():
            notes.append(
                f"{c}: {int(blank.sum())} price(s) on days the product is not offered set to NaN"
            )
            v[blank] = np.nan
        if c == pid:
            unavailable[pid] = tuple(d.date() for d in days[~avail].unique())
    return must_have, unavailable


def _raise_on_missing(
    raw: RawPrices,
    ts: pd.DatetimeIndex,
    rows: np.ndarray,
    days: pd.DatetimeIndex,
    missing: pd.DatetimeIndex,
    nan_masks: dict[str, np.ndarray],
    minutes: int = 60,
) -> None:
    """``on_missing="raise"``: the first gap in the intervals, else the first NaN column,
    raises."""
    if len(missing):
        after = np.searchsorted(ts.asi8, missing.asi8) - 1
        what = ("hour", "hourly") if minutes == 60 else (
            f"{minutes}-minute interval", f"{minutes}-minute")
        raise PriceDataError(
            raw.source,
            raw.time_column,
            f"missing {what[0]}s (gap in the {what[1]} UTC sequence)",
            rows=rows[np.unique(after)],
            timestamps=format_utc(missing),
            count=len(missing),
            unit=f"{what[0]}(s)",
            expected=f"one row per {what[0]} from the first to the last interval start",
            hint="The rows listed are the last rows before each gap. Use on_missing="
            '"drop-days" to drop the affected local days.',
        )
    for c, bad in nan_masks.items():
        if bad.any():
            where = np.flatnonzero(bad)
            nd = len(np.unique(days[where]))
            raise PriceDataError(
                raw.source,
                raw.columns[c][0],
                f"NaN prices ({c})",
                rows=rows[where],
                timestamps=format_utc(ts[where]),
                count=len(where),
                expected="a price in every hour"
                + ("" if c == ENERGY else " in which the product is offered"),
                hint=f'Use on_missing="drop-days" to drop the {nd} affected local day(s); '
                "bessfin never fills prices.",
            )


def _days_to_drop(
    raw: RawPrices,
    tz: str,
    days: pd.DatetimeIndex,
    missing: pd.DatetimeIndex,
    nan_masks: dict[str, np.ndarray],
    minutes: int = 60,
) -> tuple[dict[dt.date, str], np.ndarray]:
    """``on_missing="drop-days"``: local days with a missing hour or NaN price and why.

    Returns the dropped days with their reasons and the mask of rows to keep.
    """
    reasons: dict[pd.Timestamp, list[str]] = {}
    if len(missing):
        mdays = missing.tz_convert(tz).tz_localize(None).normalize()
        unit = "hour" if minutes == 60 else f"{minutes}-minute interval"
        for d, k in pd.Series(1, index=mdays).groupby(level=0).sum().items():
            reasons.setdefault(d, []).append(f"{k} missing {unit}(s)")
    for c, bad in nan_masks.items():
        if bad.any():
            counts = pd.Series(1, index=days[bad]).groupby(level=0).sum()
            unit = "hour" if minutes == 60 else "interval"
            for d, k in counts.items():
                reasons.setdefault(d, []).append(f"{k} NaN {unit}(s) in {raw.columns[c][0]} ({c})")
    dropped = {d.date(): "; ".join(r) for d, r in sorted(reasons.items())}
    keep = ~days.isin(pd.DatetimeIndex(list(reasons)))
    if not keep.any():
        raise PriceDataError(
            raw.source,
            raw.time_column,
            'no day left after on_missing="drop-days": every local day has a missing '
            "hour or a NaN price",
            count=len(dropped),
            unit="day(s) dropped",
            timestamps=[str(d) for d in list(dropped)[:5]],
            expected="at least one local day with a price in every hour",
        )
    return dropped, keep


def _check_arguments(raw: RawPrices, on_missing: str) -> None:
    if on_missing not in ON_MISSING:
        raise ValueError(f"on_missing must be one of {ON_MISSING}, got {on_missing!r}")
    if ENERGY not in raw.columns:
        raise ValueError("RawPrices needs an 'energy' column")
    if len(raw.timestamps) == 0:
        raise PriceDataError(
            raw.source, raw.time_column, "no rows", expected="at least one hour of prices"
        )


def build_price_data(
    raw: RawPrices,
    market: Market,
    node: str,
    *,
    on_missing: OnMissing = "raise",
    year: int | None = None,
    allow_partial_year: bool = False,
) -> PriceData:
    """Validate raw columns and assemble a :class:`PriceData`.

    Parameters
    ----------
    raw : RawPrices
        Timestamps and columns picked out of the source.
    market : Market
        Market definition (time zone, products and their availability).
    node : str
        Node name recorded in the result.
    on_missing : {"raise", "drop-days"}
        ``"raise"``: any missing hour or NaN price (where the product is offered) is an
        error. ``"drop-days"``: drop every local day with a missing hour or NaN price
        and list it in ``report.dropped_days``.
    year : int, optional
        Local calendar year the data must lie in (and cover, unless
        ``allow_partial_year``).
    allow_partial_year : bool
        Accept data covering only part of ``year``.

    Returns
    -------
    PriceData

    Raises
    ------
    PriceDataError
        On any violation; see ``docs/data.md`` for the list.
    """
    _check_arguments(raw, on_missing)
    tz = market.timezone
    notes = list(raw.notes)
    ts, rows, values, filled = _sort_rows(raw, notes)

    _check_duplicates(raw, ts, rows, tz)
    minutes = _check_interval(raw, ts, rows)
    step = pd.Timedelta(minutes=minutes)
    if year is not None:
        _check_year(raw, ts, rows, year, tz, allow_partial_year, step)
        if allow_partial_year:
            notes += _partial_year_note(ts, year, tz, step)
    for c in values:
        _check_units(raw, c, values[c], ts, rows)
        _check_bounds(raw, c, values[c], ts, rows, market)

    days = ts.tz_convert(tz).tz_localize(None).normalize()
    must_have, unavailable = _blank_unavailable(values, market, days, notes)

    missing = pd.date_range(ts[0], ts[-1], freq=step, unit="us").difference(ts)
    nan_masks = {c: np.isnan(values[c]) & must_have[c] for c in values}
    dropped: dict[dt.date, str] = {}
    if on_missing == "raise":
        _raise_on_missing(raw, ts, rows, days, missing, nan_masks, minutes)
        keep = np.ones(len(ts), dtype=bool)
    else:
        dropped, keep = _days_to_drop(raw, tz, days, missing, nan_masks, minutes)

    idx = ts[keep]
    cols = _column_order(market, list(values))
    frame = pd.DataFrame({c: values[c][keep] for c in cols}, index=idx)
    report = DataReport(
        source=raw.source,
        n_hours=len(frame),
        interval_minutes=minutes,
        first=format_utc(idx[0]) if len(idx) else "",
        last=format_utc(idx[-1]) if len(idx) else "",
        n_filled=int(filled[keep].sum()) if filled is not None else 0,
        dst_days=_dst_days(days[keep], tz),
        dropped_days=dropped,
        products_unavailable={
            p: tuple(d for d in ds if d not in dropped) for p, ds in unavailable.items()
        },
        notes=tuple(notes),
    )
    return PriceData(frame=frame, market=market, node=node, source=raw.source, report=report)
