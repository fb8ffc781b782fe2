"""Adapter for DataFrames shaped like those of the ``gridstatus`` package.

``gridstatus`` is not a dependency: frames are recognised by their column names only.

* LMP / SPP frames: ``Interval Start`` (tz-aware), ``Location`` and ``LMP`` (CAISO,
  PJM, SPP, NYISO, ISO-NE, MISO) or ``SPP`` (ERCOT) [$/MWh]. Several locations are
  allowed if ``node`` picks one.
* Ancillary-service frames [$/MW-h], wide (``Interval Start`` plus one column per
  service) or long (``Interval Start``, ``AS Type``, ``MCPC``); service names are the
  products' ``gridstatus_names`` in the market data files (:data:`GRIDSTATUS_AS_COLUMNS`).
  Names are matched ignoring case, spaces, ``_`` and ``-``. Several frames may be given
  (ISO-NE publishes regulation and reserves separately); a product may come from one only.
* Reserve zones: a frame with one row per zone and interval (``Zone``, ``Region``,
  ``AS Region``, ``Reserve Zone Name``/``Id``) is cut to one zone: ``reserve_zone`` if given,
  else the zone named like ``node`` or holding it (market ``reserve_zones``), else an error.
  A ``reserve_zone`` for frames without any region column is an error (it would pick nothing).
  A zone with ``paid_regions`` (CAISO: a resource is paid the system price plus its
  sub-region's, each with its expanded variant; docs/data.md) keeps exactly those regions'
  rows and sums them per interval (and AS type).
* Award charges (market ``award_charges``, e.g. ISO-NE's day-ahead ``Expected Closeout
  Charge`` from the strike-price frame) are netted from the listed products' prices when
  a frame carries them; several publications of an hour: the last ``Publish Time``.
* Sub-hourly AS frames (ISO-NE 5-minute regulation and reserves, MISO/NYISO 5-minute
  real-time) are averaged to the hour: an hourly award earns the time-weighted mean of
  the interval prices exactly. Every hour must be complete (60 / step intervals).

* Error messages name each frame by its ``attrs["source"]`` when set (:func:`bessfin.io.read_prices`
  sets it to the file path), else ``frame (gridstatus LMP)`` / ``frame (gridstatus AS #i)``.

Caveat: gridstatus fills missing CAISO AS prices with 0. Such zeros cannot be told from
real zero prices and pass; NaN prices are refused as everywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bessfin.io.errors import PriceDataError
from bessfin.io.prices import ENERGY, MILEAGE_SUFFIX, OnMissing, PriceData
from bessfin.io.validate import RawPrices, build_price_data, parse_timestamps
from bessfin.markets import AwardCharge, Market, get_market, markets

__all__ = ["GRIDSTATUS_AS_COLUMNS", "from_gridstatus"]

#: Interval-start column of every gridstatus frame.
TIME_COLUMN = "Interval Start"
#: Location column of gridstatus LMP frames.
LOCATION_COLUMN = "Location"
#: Energy price columns, in order of preference [$/MWh].
LMP_PRICE_COLUMNS = ("LMP", "SPP")
#: Service-name and price columns of long AS frames.
AS_TYPE_COLUMN = "AS Type"
AS_PRICE_COLUMNS = ("MCPC", "Price", "MCP")
#: Publication-time column of frames revised during the day (last publication wins).
PUBLISH_COLUMN = "Publish Time"
#: Region columns: an AS frame is cut to one region (reserve zone).
REGION_COLUMNS = (
    "Region", "AS Region", "Reserve Zone", "Zone", "Reserve Zone Name", "Reserve Zone Id",
    "Reserve Zone ID",
)

#: ``DataFrame.attrs`` key naming a frame's origin (a file path) in messages.
SOURCE_ATTR = "source"

_HOUR_NS = 3_600_000_000_000

#: Per ISO: gridstatus ancillary-service column (or ``AS Type``) name -> bessfin column, read
#: from the market data files (``gridstatus_names`` of each product in
#: ``bessfin/markets/data/*.toml``).
GRIDSTATUS_AS_COLUMNS: dict[str, dict[str, str]] = {
    iso: m.gridstatus_columns() for iso, m in markets().items()
}


def _key(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _lookup(market: Market) -> dict[str, str]:
    return {_key(k): v for k, v in market.gridstatus_columns().items()}


def _require(df: pd.DataFrame, col: str, source: str, what: str) -> None:
    if col not in df.columns:
        raise PriceDataError(
            source,
            col,
            f"missing column (columns are {list(map(str, df.columns))})",
            expected=f"a gridstatus {what} frame with {col!r}",
        )


def _zone_labels(market: Market, node: str | None, reserve_zone: str | None) -> set[str]:
    """Lower-case labels that name the wanted zone in a region column."""
    want = reserve_zone if reserve_zone else node
    if not want:
        return set()
    labels = {want.strip().lower()}
    zone = market.reserve_zone_of(want)
    if zone is not None:
        labels |= {x.lower() for x in (zone.name, *zone.aliases)}
    return labels


def _one_region(
    df: pd.DataFrame,
    market: Market,
    node: str | None,
    reserve_zone: str | None,
    source: str,
    notes: list[str],
) -> pd.DataFrame:
    """Keep the rows of one reserve zone (see module doc)."""
    cols = [c for c in REGION_COLUMNS if c in df.columns]
    if not cols:
        if reserve_zone:
            notes.append(f"{source}: no region column; reserve_zone {reserve_zone!r} unused")
        return df
    values = df[cols].astype(str).apply(lambda s: s.str.strip().str.lower())
    if not reserve_zone and all(df[c].nunique(dropna=False) <= 1 for c in cols):
        return df
    regions = sorted(set(map(str, df[cols[0]].unique())))
    zone = _paying_zone(market, node, reserve_zone)
    if zone is not None:
        return _sum_paid_regions(df, cols[0], zone, regions, source, notes)
    labels = _zone_labels(market, node, reserve_zone)
    keep = values.isin(labels).any(axis=1).to_numpy()
    if not keep.any():
        raise PriceDataError(
            source,
            cols[0],
            f"several regions {regions}" if not reserve_zone
            else f"no rows of reserve zone {reserve_zone!r} (regions {regions})",
            count=len(df),
            expected="one region per hour" if not reserve_zone
            else "rows labelled with the zone (as the frame spells it, or a market reserve "
            "zone's name or alias)",
            hint=_region_hint(market, regions, zone_listing(market), cols[0]),
            argument="reserve_zone",
        )
    picked = sorted(set(map(str, df.loc[keep, cols[0]])))
    if len(regions) > 1:
        notes.append(f"{source}: reserve zone {picked} of {len(regions)} regions")
    return df.loc[keep]


def _paying_zone(market: Market, node: str | None, reserve_zone: str | None):
    """The reserve zone with ``paid_regions`` that ``reserve_zone`` (if given) or ``node``
    names or holds."""
    for want in (reserve_zone,) if reserve_zone else (node,):
        if not want:
            continue
        zone = next((z for z in market.reserve_zones if z.matches(want)), None)
        zone = zone or market.reserve_zone_of(want)
        if zone is not None and zone.paid_regions:
            return zone
    return None


def _sum_paid_regions(df: pd.DataFrame, col: str, zone, regions: list[str], source: str,
                      notes: list[str]) -> pd.DataFrame:
    """Rows of the regions that pay a resource in ``zone``, summed per interval [$/MW-h]."""
    paid = {r.lower() for r in zone.paid_regions}
    keep = df[col].astype(str).str.strip().str.lower().isin(paid).to_numpy()
    if not keep.any():
        raise PriceDataError(
            source, col, f"no rows of the regions paying {zone.name} (regions {regions})",
            count=len(df), expected=f"rows of {list(zone.paid_regions)}",
            argument="reserve_zone")
    picked = sorted(set(map(str, df.loc[keep, col])))
    missing = sorted(set(zone.paid_regions) - {p.upper() for p in picked})
    keys = [TIME_COLUMN] + [c for c in (AS_TYPE_COLUMN,) if c in df.columns]
    summed = df.loc[keep].groupby(keys, sort=True).sum(numeric_only=True).reset_index()
    notes.append(f"{source}: AS prices of reserve zone {zone.name} = sum of regions {picked}"
                 + (f" (absent from the frame: {missing})" if missing else ""))
    return summed


def zone_listing(market: Market) -> str:
    """The market's reserve zones with their aliases, e.g. ``System (7000)``, as defined in
    ``bessfin/markets/data/<iso>.toml`` (``"none defined"`` when it has none)."""
    return ", ".join(
        z.name + (f" ({', '.join(z.aliases)})" if z.aliases else "")
        for z in market.reserve_zones) or "none defined"


def _region_hint(market: Market, regions: list[str], zones: str, col: str) -> str:
    paying = [z for z in market.reserve_zones if z.paid_regions]
    if paying:
        ex = paying[0]
        return (f"Pass node= a {market.name} node (e.g. {ex.locations[0]}: sums "
                f"{', '.join(ex.paid_regions)}) or reserve_zone= one of "
                f"{[z.name for z in paying]}; a single region such as {regions[0]!r} is not "
                "the price a resource is paid (docs/data.md).")
    return (f"Pass reserve_zone=... (CLI --reserve-zone, deal file market.reserve_zone) "
            f"naming one of {regions} ({market.name} reserve zones in "
            f"bessfin/markets/data/{market.iso}.toml: {zones}), or filter, e.g. "
            f"df[df[{col!r}] == {regions[0]!r}].")


def _to_hourly(wide: pd.DataFrame, source: str, notes: list[str]) -> pd.DataFrame:
    """Average a regular sub-hourly AS frame to hourly prices (complete hours only)."""
    idx = wide.index
    ns = idx.as_unit("ns").asi8
    if len(idx) == 0 or not (ns % _HOUR_NS).any():
        return wide
    steps = np.unique(np.diff(np.sort(ns)))
    step = int(steps.min()) if len(steps) else 0
    if step <= 0 or _HOUR_NS % step or (ns % step).any():
        raise PriceDataError(
            source,
            TIME_COLUMN,
            "irregular sub-hourly interval starts",
            expected="a regular step dividing the hour (5, 15 or 30 minutes)",
        )
    per_hour = _HOUR_NS // step
    hour = idx.floor("h")
    counts = pd.Series(1, index=idx).groupby(hour).size()
    short = counts[counts != per_hour]
    if len(short):
        raise PriceDataError(
            source,
            TIME_COLUMN,
            f"incomplete hours of {step // 60_000_000_000}-minute AS prices",
            timestamps=[t.strftime("%Y-%m-%dT%H:%MZ") for t in short.index[:5]],
            count=len(short),
            expected=f"{per_hour} intervals in every hour (the hourly price is their mean)",
        )
    out = wide.groupby(hour).mean()
    out.attrs = wide.attrs
    notes.append(
        f"{source}: {step // 60_000_000_000}-minute AS prices averaged to {len(out)} hours"
    )
    return out


def _as_wide(
    as_df: pd.DataFrame,
    market: Market,
    source: str,
    *,
    node: str | None = None,
    reserve_zone: str | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Return (frame indexed by UTC interval start with bessfin columns, notes)."""
    _require(as_df, TIME_COLUMN, source, "ancillary-service")
    notes: list[str] = []
    as_df = _one_region(as_df, market, node, reserve_zone, source, notes)
    lookup = _lookup(market)
    if AS_TYPE_COLUMN in as_df.columns:
        price_col = next((c for c in AS_PRICE_COLUMNS if c in as_df.columns), None)
        if price_col is None:
            raise PriceDataError(
                source,
                AS_TYPE_COLUMN,
                "long AS frame without a price column",
                expected=f"one of {list(AS_PRICE_COLUMNS)}",
            )
        types = as_df[AS_TYPE_COLUMN].map(lambda t: lookup.get(_key(t)))
        unknown = sorted(set(map(str, as_df.loc[types.isna(), AS_TYPE_COLUMN])))
        if unknown:
            notes.append(f"gridstatus AS types ignored (no {market.iso} product): {unknown}")
        long = as_df.loc[types.notna()].assign(_product=types[types.notna()])
        ts = parse_timestamps(
            long[TIME_COLUMN], source=source, column=TIME_COLUMN, assume_utc=False
        )
        long = long.assign(_ts=ts.to_numpy())
        dup = long.duplicated(["_ts", "_product"], keep=False).to_numpy()
        if dup.any():
            where = np.flatnonzero(dup)
            raise PriceDataError(
                source,
                AS_TYPE_COLUMN,
                "duplicated (Interval Start, AS Type) pairs",
                rows=long.index[where],
                timestamps=[t.strftime("%Y-%m-%dT%H:%MZ") for t in ts[where[:5]]],
                count=len(where),
                expected="one price per service and hour",
            )
        wide = long.pivot(index="_ts", columns="_product", values=price_col)
        names = {
            p: str(long.loc[long["_product"] == p, AS_TYPE_COLUMN].iloc[0]) for p in wide.columns
        }
    else:
        mapped: dict[str, str] = {}
        names = {}
        for c in as_df.columns:
            pid = lookup.get(_key(c))
            if pid is None:
                continue
            if pid in names:
                raise PriceDataError(
                    source,
                    str(c),
                    f"two columns ({names[pid]!r}, {str(c)!r}) for product {pid!r}",
                    expected="one column per product",
                )
            mapped[c] = pid
            names[pid] = str(c)
        if not mapped:
            raise PriceDataError(
                source,
                "(ancillary services)",
                f"no known {market.iso} service column among {list(map(str, as_df.columns))}",
                expected=f"columns among {sorted(market.gridstatus_columns())} "
                f"or a long frame with {AS_TYPE_COLUMN!r} and 'MCPC'",
            )
        ts = parse_timestamps(
            as_df[TIME_COLUMN], source=source, column=TIME_COLUMN, assume_utc=False
        )
        dup = ts.duplicated(keep=False)
        if dup.any():
            where = np.flatnonzero(dup)
            raise PriceDataError(
                source,
                TIME_COLUMN,
                "duplicated timestamps",
                rows=where,
                timestamps=[t.strftime("%Y-%m-%dT%H:%MZ") for t in ts[where[:5]]],
                count=len(where),
                expected="one row per hour",
            )
        wide = as_df[list(mapped)].rename(columns=mapped).set_axis(ts, axis=0)
    wide.columns = [str(c) for c in wide.columns]
    wide.attrs["names"] = names
    return _to_hourly(wide, source, notes), notes


def _as_frames(
    as_prices: pd.DataFrame | Sequence[pd.DataFrame],
    market: Market,
    node: str | None,
    reserve_zone: str | None,
) -> tuple[pd.DataFrame, list[str]]:
    """Hourly bessfin AS columns from one or several gridstatus AS frames."""
    frames = [as_prices] if isinstance(as_prices, pd.DataFrame) else list(as_prices)
    if reserve_zone and not any(c in f.columns for f in frames for c in REGION_COLUMNS):
        raise PriceDataError(
            " + ".join(dict.fromkeys(str(f.attrs.get(SOURCE_ATTR) or "frame (gridstatus AS)")
                                     for f in frames)), "(region)",
            f"reserve_zone {reserve_zone!r} given but no AS frame has a region column",
            expected=f"a column among {list(REGION_COLUMNS)} (one row per zone and hour), or "
            "no reserve_zone: these frames carry one price per product and hour",
            argument="reserve_zone")
    known = {p.id for p in market.products}
    parts: list[pd.DataFrame] = []
    names: dict[str, str] = {}
    origin: dict[str, str] = {}
    notes: list[str] = []
    charges: list[tuple[AwardCharge, pd.Series, str]] = []
    for i, frame in enumerate(frames):
        src = str(frame.attrs.get(SOURCE_ATTR) or (
            "frame (gridstatus AS)" if len(frames) == 1 else f"frame (gridstatus AS #{i + 1})"))
        frame, found = _award_charges(frame, market, src)
        charges += found
        if found and not (set(map(_key, frame.columns)) & set(_lookup(market))):
            continue  # a frame of charges only (e.g. ISO-NE day-ahead strike prices)
        wide, more = _as_wide(frame, market, src, node=node, reserve_zone=reserve_zone)
        notes += more
        for c in wide.columns:
            col = wide.attrs["names"][c]
            if c.removesuffix(MILEAGE_SUFFIX) not in known:
                raise PriceDataError(
                    src, col, f"{market.name} has no product {c!r}",
                    expected=f"products {sorted(known)}",
                )
            if c in names:
                raise PriceDataError(
                    src, col, f"product {c!r} also in {origin[c]} ({names[c]!r})",
                    expected="each product's prices in one frame only",
                )
            names[c], origin[c] = col, src
        parts.append(wide)
    if not parts:
        raise PriceDataError(
            "frame (gridstatus AS)", "(ancillary services)", "award charges but no prices",
            expected="the products' price frames beside the charge frame",
        )
    wide = parts[0] if len(parts) == 1 else pd.concat(parts, axis=1)
    wide.attrs["names"] = names
    for charge, values, src in charges:
        hit = [p for p in charge.products if p in wide.columns]
        aligned = values.reindex(wide.index)  # an hour without a charge is a NaN price
        for p in hit:
            wide[p] = wide[p] - aligned
        notes.append(f"{src}: {charge.name} ({values.name!r}) netted from {hit} [$/MW-h]")
    return wide, notes


def _award_charges(
    frame: pd.DataFrame, market: Market, source: str
) -> tuple[pd.DataFrame, list[tuple[AwardCharge, pd.Series, str]]]:
    """Split the market's award-charge columns off a frame: hourly series by UTC interval
    start (the last ``Publish Time`` of an hour when a frame has several)."""
    found = []
    for charge in market.award_charges:
        keys = {_key(n) for n in charge.gridstatus_names}
        cols = [c for c in frame.columns if _key(c) in keys]
        if not cols:
            continue
        _require(frame, TIME_COLUMN, source, "award-charge")
        part = frame
        if PUBLISH_COLUMN in frame.columns:
            part = frame.sort_values(PUBLISH_COLUMN).drop_duplicates(TIME_COLUMN, keep="last")
        ts = parse_timestamps(part[TIME_COLUMN], source=source, column=TIME_COLUMN,
                              assume_utc=False)
        if ts.duplicated().any():
            raise PriceDataError(source, TIME_COLUMN, "duplicated timestamps",
                                 expected=f"one {charge.name} per hour")
        values = pd.Series(part[cols[0]].to_numpy(dtype=float), index=ts, name=str(cols[0]))
        found.append((charge, values, source))
        frame = frame.drop(columns=cols)
    return frame, found


def _joint_source(lmp_name: object, as_prices: pd.DataFrame | Sequence[pd.DataFrame]) -> str:
    """The result's source: ``lmp.csv + as.csv`` for named frames, else a generic label."""
    frames = [as_prices] if isinstance(as_prices, pd.DataFrame) else list(as_prices)
    names = [f.attrs.get(SOURCE_ATTR) for f in frames]
    if not lmp_name or not all(names):
        return "frame (gridstatus LMP + AS)"
    return " + ".join(map(str, [lmp_name, *names]))


def from_gridstatus(
    lmp_df: pd.DataFrame,
    iso: str | Market,
    *,
    as_prices: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    node: str | None = None,
    reserve_zone: str | None = None,
    on_missing: OnMissing = "raise",
    year: int | None = None,
) -> PriceData:
    """Validate gridstatus-shaped LMP (and optional AS) frames into :class:`PriceData`.

    Parameters
    ----------
    lmp_df : pandas.DataFrame
        ``Interval Start`` (tz-aware; naive is an error), ``Location`` and ``LMP`` or
        ``SPP`` [$/MWh], hourly or a regular sub-hourly interval (gridstatus real-time
        frames: ERCOT 15-minute SPP, CAISO 5- and 15-minute LMP).
    iso : str or Market
        ISO id, e.g. ``"ercot"``.
    as_prices : pandas.DataFrame or sequence of them, optional
        Ancillary-service prices [$/MW-h; mileage $/MW], wide or long, hourly or regular
        sub-hourly (averaged to the hour), one or several frames (see module doc).
        Only hours of ``lmp_df`` are used; each hourly AS price applies to every LMP
        interval of its clock hour; an hour of ``lmp_df`` without an AS price is a
        NaN price (an error unless the product is not offered that day).
    node : str, optional
        Location to keep when ``lmp_df`` has several (any case; CAISO with or without
        ``_GEN-APND``).
    reserve_zone : str, optional
        Zone to keep when AS frames carry several (name or id as in the frame, or a
        market reserve-zone name); default: the zone named like, or holding, ``node``.
    on_missing : {"raise", "drop-days"}
        Missing-data policy, see :func:`bessfin.io.load_prices`.
    year : int, optional
        If given, the data must lie in and cover this local calendar year.

    Returns
    -------
    PriceData

    Raises
    ------
    PriceDataError
        Missing columns, several locations without ``node``, or any data rule broken.
    """
    market = get_market(iso)
    named = lmp_df.attrs.get(SOURCE_ATTR)
    source = str(named or "frame (gridstatus LMP)")
    _require(lmp_df, TIME_COLUMN, source, "LMP")
    price_col = next((c for c in LMP_PRICE_COLUMNS if c in lmp_df.columns), None)
    if price_col is None:
        raise PriceDataError(
            source,
            "(energy)",
            f"no price column among {list(map(str, lmp_df.columns))}",
            expected=f"one of {list(LMP_PRICE_COLUMNS)} [$/MWh]",
        )
    df = lmp_df.reset_index(drop=True)
    node_name = node.strip() if node else ""
    if LOCATION_COLUMN in df.columns:
        locations = list(dict.fromkeys(map(str, df[LOCATION_COLUMN])))
        if node:
            want = market.node_column(node)
            pick = [loc for loc in locations if market.node_column(loc) == want]
            if not pick:
                raise PriceDataError(
                    source,
                    LOCATION_COLUMN,
                    f"no location matching node {node!r}",
                    expected=f"one of {locations}",
                )
            node_name = pick[0]
            df = df.loc[df[LOCATION_COLUMN].astype(str).isin(pick)].reset_index(drop=True)
        elif len(locations) > 1:
            raise PriceDataError(
                source,
                LOCATION_COLUMN,
                f"{len(locations)} locations and no node given",
                expected=f"node=... naming one of {locations}",
            )
        elif locations:
            node_name = locations[0]
    ts = parse_timestamps(df[TIME_COLUMN], source=source, column=TIME_COLUMN, assume_utc=False)
    columns: dict[str, tuple[str, pd.Series]] = {ENERGY: (price_col, df[price_col])}
    notes: list[str] = []
    if as_prices is not None:
        wide, notes = _as_frames(as_prices, market, node_name or node, reserve_zone)
        # hourly AS prices apply to every interval of their clock hour (sub-hourly LMP)
        hours = pd.DatetimeIndex(ts).floor("h")
        extra = wide.index.difference(hours)
        if len(extra):
            notes.append(f"{len(extra)} AS hour(s) outside the LMP hours ignored")
        if not hours.equals(pd.DatetimeIndex(ts)):
            notes.append("hourly AS prices applied to each sub-hourly LMP interval of the hour")
        aligned = wide.reindex(hours)
        for c in aligned.columns:
            columns[c] = (wide.attrs["names"][c], aligned[c].reset_index(drop=True))
    raw = RawPrices(
        source=source if as_prices is None else _joint_source(named, as_prices),
        time_column=TIME_COLUMN,
        timestamps=ts,
        columns=columns,
        notes=notes,
    )
    return build_price_data(raw, market, node_name, on_missing=on_missing, year=year)
