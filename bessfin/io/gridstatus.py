"""Adapter for DataFrames shaped like those of the ``gridstatus`` package.

``gridstatus`` is not a dependency: frames are recognised by their column names only.

* LMP / SPP frames: ``Interval Start`` (tz-aware), ``Location`` and ``LMP`` (CAISO,
  PJM, SPP) or ``SPP`` (ERCOT) [$/MWh]. Several locations are allowed if ``node`` picks one.
* Ancillary-service frames [$/MW-h], wide (``Interval Start`` plus one column per
  service) or long (``Interval Start``, ``AS Type``, ``MCPC``); service names are the
  products' ``gridstatus_names`` in the market data files (:data:`GRIDSTATUS_AS_COLUMNS`).
  Names are matched ignoring case, spaces, ``_`` and ``-``.

Caveat: gridstatus fills missing CAISO AS prices with 0. Such zeros cannot be told from
real zero prices and pass; NaN prices are refused as everywhere else.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bessfin.io.errors import PriceDataError
from bessfin.io.prices import ENERGY, OnMissing, PriceData
from bessfin.io.validate import RawPrices, build_price_data, parse_timestamps
from bessfin.markets import Market, get_market, markets

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
#: Region columns: an AS frame must carry one region only.
REGION_COLUMNS = ("Region", "Reserve Zone", "Zone")

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


def _single_region(df: pd.DataFrame, source: str) -> None:
    for col in REGION_COLUMNS:
        if col in df.columns and df[col].nunique(dropna=False) > 1:
            regions = sorted(map(str, df[col].unique()))
            raise PriceDataError(
                source,
                col,
                f"several regions {regions}",
                count=len(df),
                expected="one region per hour",
                hint=f"Filter to one region, e.g. df[df[{col!r}] == {regions[0]!r}], or, to "
                "reproduce the shipped CAISO '_regionsum' columns, "
                "df.groupby('Interval Start').sum(numeric_only=True).reset_index().",
            )


def _as_wide(as_df: pd.DataFrame, market: Market, source: str) -> tuple[pd.DataFrame, list[str]]:
    """Return (frame indexed by UTC interval start with bessfin columns, notes)."""
    _require(as_df, TIME_COLUMN, source, "ancillary-service")
    _single_region(as_df, source)
    lookup = _lookup(market)
    notes: list[str] = []
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
    return wide, notes


def from_gridstatus(
    lmp_df: pd.DataFrame,
    iso: str | Market,
    *,
    as_prices: pd.DataFrame | None = None,
    node: str | None = None,
    on_missing: OnMissing = "raise",
) -> PriceData:
    """Validate gridstatus-shaped LMP (and optional AS) frames into :class:`PriceData`.

    Parameters
    ----------
    lmp_df : pandas.DataFrame
        ``Interval Start`` (tz-aware; naive is an error), ``Location`` and ``LMP`` or
        ``SPP`` [$/MWh], hourly.
    iso : str or Market
        ISO id, e.g. ``"ercot"``.
    as_prices : pandas.DataFrame, optional
        Ancillary-service prices [$/MW-h; mileage $/MW], wide or long (see module doc).
        Only hours of ``lmp_df`` are used; an hour of ``lmp_df`` without an AS price is a
        NaN price (an error unless the product is not offered that day).
    node : str, optional
        Location to keep when ``lmp_df`` has several (any case; CAISO with or without
        ``_GEN-APND``).
    on_missing : {"raise", "drop-days"}
        Missing-data policy, see :func:`bessfin.io.load_prices`.

    Returns
    -------
    PriceData

    Raises
    ------
    PriceDataError
        Missing columns, several locations without ``node``, or any data rule broken.
    """
    market = get_market(iso)
    source = "frame (gridstatus LMP)"
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
        as_source = "frame (gridstatus AS)"
        wide, notes = _as_wide(as_prices, market, as_source)
        extra = wide.index.difference(ts)
        if len(extra):
            notes.append(f"{len(extra)} AS hour(s) outside the LMP hours ignored")
        aligned = wide.reindex(ts)
        known = {p.id for p in market.products}
        for c in aligned.columns:
            if c.removesuffix("_mileage") not in known:
                raise PriceDataError(
                    as_source,
                    wide.attrs["names"][c],
                    f"{market.name} has no product {c!r}",
                    expected=f"products {sorted(known)}",
                )
            columns[c] = (wide.attrs["names"][c], aligned[c].reset_index(drop=True))
    raw = RawPrices(
        source=source if as_prices is None else "frame (gridstatus LMP + AS)",
        time_column=TIME_COLUMN,
        timestamps=ts,
        columns=columns,
        notes=notes,
    )
    return build_price_data(raw, market, node_name, on_missing=on_missing)
