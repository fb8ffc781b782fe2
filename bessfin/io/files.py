"""Read user price files (CSV or Parquet) and tables in the shipped or simple layout."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bessfin.io.errors import PriceDataError
from bessfin.io.prices import ENERGY, INDEX_NAME, MILEAGE_SUFFIX, OnMissing, PriceData
from bessfin.io.validate import RawPrices, build_price_data, parse_timestamps
from bessfin.markets import Market, get_market

__all__ = [
    "ENERGY_ALIASES",
    "PRICE_FILE_SUFFIXES",
    "TIME_COLUMNS_AWARE",
    "TIME_COLUMNS_UTC",
    "from_frame",
    "market_nodes",
    "node_of_column",
    "price_data_from_table",
    "raw_from_table",
    "read_gridstatus",
    "read_prices",
    "read_table",
]

#: Timestamp columns whose naive values are taken as UTC (searched first, in this order).
TIME_COLUMNS_UTC = ("timestamp_utc", "interval_start_utc")
#: Timestamp columns that must carry a UTC offset or time zone.
TIME_COLUMNS_AWARE = ("interval_start", "timestamp", "timestamp_local")
#: Suffixes of user price files: CSV, or Parquet.
PRICE_FILE_SUFFIXES = (".csv", ".parquet", ".pq")
#: Interval-start column of gridstatus frames: a file with it is read as a gridstatus frame.
GRIDSTATUS_TIME_COLUMN = "Interval Start"
#: An AS source for :func:`read_prices`: a file path or a frame.
AsSource = str | os.PathLike[str] | pd.DataFrame

#: Generic energy price column names [$/MWh], searched in this order after the node column.
ENERGY_ALIASES = ("energy", "lmp", "spp", "price")


def market_nodes(market: Market) -> list[str]:
    """All node names the market's shipped files know, in file order, without repeats."""
    out: list[str] = []
    for f in market.files:
        out += [n for n in f.nodes if n not in out]
    return out


def node_of_column(market: Market, column: str) -> str:
    """Node name for an energy column, e.g. ``spp_hb_houston`` -> ``HB_HOUSTON``."""
    for n in market_nodes(market):
        if market.node_column(n) == column:
            return n
    return column[len(market.energy_column_prefix) :].upper()


def read_table(path: str | os.PathLike[str], usecols: list[str] | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file without turning any text into NaN except empty cells."""
    p = Path(path)
    if p.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(p, columns=usecols)
    return pd.read_csv(p, keep_default_na=False, na_values=[""], usecols=usecols)


def _filled_flags(s: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.fillna(False).to_numpy(dtype=bool)
    return s.astype("string").str.strip().str.lower().isin(["true", "1", "yes"]).to_numpy()


def _timestamps(
    df: pd.DataFrame, lower: dict[str, str], source: str
) -> tuple[str, pd.DatetimeIndex]:
    """The timestamp column (lower-case name) and its parsed UTC interval starts."""
    time_col = next((c for c in TIME_COLUMNS_UTC if c in lower), None)
    assume_utc = time_col is not None
    if time_col is None:
        time_col = next((c for c in TIME_COLUMNS_AWARE if c in lower), None)
    if time_col is None:
        raise PriceDataError(
            source,
            "(none)",
            f"no timestamp column among {list(lower)}",
            expected=f"one of {list(TIME_COLUMNS_UTC + TIME_COLUMNS_AWARE)} (interval start)",
        )
    ts = parse_timestamps(
        df[lower[time_col]], source=source, column=lower[time_col], assume_utc=assume_utc
    )
    return time_col, ts


def _energy_column_of_node(
    lower: dict[str, str], market: Market, node: str, alias: str | None, file_nodes: list[str],
    source: str,
) -> tuple[str, str]:
    """Energy column (lower-case name) and node name when a node was asked for."""
    want = market.node_column(node)
    if want in lower:
        return want, node_of_column(market, want)
    if alias is not None:
        return alias, node.strip()
    raise PriceDataError(
        source,
        want,
        f"no energy price column for node {node!r}",
        expected=f"a column {want!r} or one of {list(ENERGY_ALIASES)}; "
        f"{market.iso} nodes in this file: {file_nodes}",
    )


def _chosen_column(lower: dict[str, str], price_column: str, node: str | None,
                   source: str) -> tuple[str, str]:
    key = price_column.strip().lower()
    if key not in lower:
        raise PriceDataError(
            source,
            price_column,
            f"price_column {price_column!r} is not a column of the file",
            expected=f"one of {[lower[c] for c in lower]}",
        )
    return key, (node or "").strip()


def _energy_column(
    lower: dict[str, str], market: Market, node: str | None, source: str,
    price_column: str | None = None,
) -> tuple[str, str]:
    """Energy column (lower-case name) and the node name recorded in the result.

    ``price_column`` picks the column outright. Otherwise the node's own column wins; then one
    generic name (:data:`ENERGY_ALIASES`); two or more generic names (``price`` and ``lmp``, or
    a gridstatus CAISO export's ``LMP`` and its ``Energy`` component) are refused, never guessed.
    """
    if price_column is not None:
        return _chosen_column(lower, price_column, node, source)
    cols = list(lower)
    prefix = market.energy_column_prefix
    node_cols = [c for c in cols if c.startswith(prefix)]
    file_nodes = [node_of_column(market, c) for c in node_cols]
    aliases = [c for c in ENERGY_ALIASES if c in lower]
    if len(aliases) > 1 and not (node and market.node_column(node) in lower):
        raise PriceDataError(
            source,
            "(energy)",
            f"several candidate energy price columns {[lower[c] for c in aliases]}",
            expected="one energy price column, or the one to use named with price_column=... "
            "(API) / --price-column (CLI)",
            hint="A gridstatus CAISO export carries 'LMP' and its 'Energy', 'Congestion' and "
            "'Loss' components: the LMP is the price a battery is paid.",
        )
    alias = aliases[0] if aliases else None
    if node:
        return _energy_column_of_node(lower, market, node, alias, file_nodes, source)
    if alias is not None:
        return alias, ""
    if len(node_cols) == 1:
        return node_cols[0], file_nodes[0]
    if node_cols:
        raise PriceDataError(
            source,
            "(node)",
            f"several node columns {node_cols} and no node given",
            expected=f"node=... naming one of {file_nodes}",
        )
    raise PriceDataError(
        source,
        "(energy)",
        f"no energy price column among {cols}",
        expected=f"one of {list(ENERGY_ALIASES)} or '{prefix}<node>' [$/MWh]",
    )


def _product_columns(
    df: pd.DataFrame, lower: dict[str, str], market: Market, source: str
) -> dict[str, tuple[str, pd.Series]]:
    """Product capacity and mileage columns by canonical id: (source name, values)."""
    columns: dict[str, tuple[str, pd.Series]] = {}
    for p in market.products:
        for canon, names in [(p.id, (p.id, p.price_column))] + (
            [(p.id + MILEAGE_SUFFIX, (p.id + MILEAGE_SUFFIX, p.mileage.price_column))]
            if p.mileage
            else []
        ):
            found = [n for n in dict.fromkeys(x.lower() for x in names) if n in lower]
            if len(found) > 1:
                raise PriceDataError(
                    source,
                    found[1],
                    f"two columns {found} for the same product {canon!r}",
                    expected="one column per product",
                )
            if found:
                columns[canon] = (str(lower[found[0]]), df[lower[found[0]]])
    return columns


def raw_from_table(
    df: pd.DataFrame, market: Market, node: str | None, *, source: str,
    price_column: str | None = None,
) -> tuple[RawPrices, str]:
    """Pick the timestamp, energy, product and ``filled`` columns out of a table.

    Parameters
    ----------
    df : pandas.DataFrame
        Shipped layout (``timestamp_utc``, ``<prefix><node>`` columns, product price
        columns, ``filled``) or simple layout (a timestamp column, an energy column named
        ``energy``/``lmp``/``spp``/``price`` or the node's column, products by canonical
        id, mileage as ``<id>_mileage``). A ``DatetimeIndex`` is used as the timestamp.
        Column names match case-insensitively.
    market : Market
        Market definition.
    node : str, optional
        Node to pick when the table has several node columns.
    source : str
        For error messages.
    price_column : str, optional
        The energy price column to use (any case); needed when the table has two candidates.

    Returns
    -------
    (RawPrices, str)
        Raw columns and the node name.
    """
    if isinstance(df.index, pd.DatetimeIndex):
        df = df.reset_index(names=df.index.name or INDEX_NAME)
    lower: dict[str, str] = {}
    for c in df.columns:
        lower.setdefault(str(c).strip().lower(), c)
    time_col, ts = _timestamps(df, lower, source)
    energy_col, node_name = _energy_column(lower, market, node, source, price_column)
    columns: dict[str, tuple[str, pd.Series]] = {
        ENERGY: (str(lower[energy_col]), df[lower[energy_col]])
    }
    columns.update(_product_columns(df, lower, market, source))
    filled = _filled_flags(df[lower["filled"]]) if "filled" in lower else None
    raw = RawPrices(
        source=source,
        time_column=str(lower[time_col]),
        timestamps=ts,
        columns=columns,
        filled=filled,
    )
    return raw, node_name


def price_data_from_table(
    df: pd.DataFrame,
    market: Market,
    node: str | None,
    *,
    source: str,
    on_missing: OnMissing = "raise",
    year: int | None = None,
    allow_partial_year: bool = False,
    price_column: str | None = None,
) -> PriceData:
    """Validate a table in the shipped or simple layout (see :func:`raw_from_table`)."""
    raw, node_name = raw_from_table(df, market, node, source=source, price_column=price_column)
    return build_price_data(
        raw,
        market,
        node_name,
        on_missing=on_missing,
        year=year,
        allow_partial_year=allow_partial_year,
    )


def _named(df: pd.DataFrame, path: str | os.PathLike[str]) -> pd.DataFrame:
    """``df`` with its file path as ``attrs["source"]`` (named in gridstatus messages)."""
    df.attrs["source"] = str(path)
    return df


def read_gridstatus(
    lmp: str | os.PathLike[str] | pd.DataFrame,
    iso: str | Market,
    node: str | None = None,
    *,
    as_prices: AsSource | Sequence[AsSource] | None = None,
    reserve_zone: str | None = None,
    on_missing: OnMissing = "raise",
    year: int | None = None,
) -> PriceData:
    """Saved gridstatus frames (files or frames): an LMP frame and its AS frames, read with
    :func:`bessfin.io.from_gridstatus`; messages name the files."""
    from bessfin.io.gridstatus import from_gridstatus

    if not isinstance(lmp, pd.DataFrame):
        lmp = _named(read_table(lmp), lmp)
    extra = [] if as_prices is None else (
        [as_prices] if isinstance(as_prices, (str, os.PathLike, pd.DataFrame))
        else list(as_prices))
    frames = [f if isinstance(f, pd.DataFrame) else _named(read_table(f), f) for f in extra]
    return from_gridstatus(lmp, get_market(iso), as_prices=frames or None, node=node,
                           reserve_zone=reserve_zone, on_missing=on_missing, year=year)


def read_prices(
    path: str | os.PathLike[str],
    iso: str | Market,
    node: str | None = None,
    *,
    on_missing: OnMissing = "raise",
    year: int | None = None,
    as_prices: AsSource | Sequence[AsSource] | None = None,
    reserve_zone: str | None = None,
    price_column: str | None = None,
) -> PriceData:
    """Read and validate a user price file (CSV, or Parquet by its ``.parquet``/``.pq`` suffix).

    Parameters
    ----------
    path : str or os.PathLike
        A saved gridstatus LMP frame (``Interval Start``, ``Location``, ``LMP``/``SPP``;
        read by :func:`bessfin.io.from_gridstatus`), or a file in the shipped layout
        (``timestamp_utc``, ``<prefix><node>`` columns, product columns as in
        ``market_data``, optional ``filled``) or the simple layout: a
        timestamp column (``timestamp_utc``, or ``timestamp``/``interval_start`` with a
        UTC offset or time zone; interval start), an energy column [$/MWh] named
        ``energy``, ``lmp``, ``spp``, ``price`` or the node's column, optional product
        columns by canonical id [$/MW-h] and ``<id>_mileage`` [$/MW].
    iso : str or Market
        ISO id, e.g. ``"ercot"``.
    node : str, optional
        Node to read when the file has several node columns (any case; CAISO with or
        without ``_GEN-APND``).
    on_missing : {"raise", "drop-days"}
        Missing-data policy, see :func:`bessfin.io.load_prices`.
    year : int, optional
        If given, the data must lie in and cover this local calendar year.
    as_prices : path, DataFrame or a list of them, optional
        When ``path`` is a saved gridstatus LMP frame (it has ``Interval Start``): the
        gridstatus AS frames (files or frames), see :func:`bessfin.io.from_gridstatus`.
    reserve_zone : str, optional
        Reserve zone to keep from the AS frames (gridstatus path only).
    price_column : str, optional
        Energy price column to use; required when the file has two candidates (e.g. ``price``
        and ``lmp``), which are never guessed between.

    Returns
    -------
    PriceData

    Raises
    ------
    PriceDataError
        If the file breaks a rule in ``docs/data.md``.
    """
    market = get_market(iso)
    df = read_table(path)
    if GRIDSTATUS_TIME_COLUMN in df.columns:  # a saved gridstatus LMP frame
        if price_column is not None:
            raise PriceDataError(
                str(path), price_column, "price_column given for a gridstatus LMP frame",
                expected="no price_column: a gridstatus frame's price is its 'LMP' (or ERCOT "
                "'SPP') column, never its 'Energy' component",
            )
        return read_gridstatus(_named(df, path), market, node, as_prices=as_prices,
                               reserve_zone=reserve_zone, on_missing=on_missing, year=year)
    if as_prices is not None or reserve_zone is not None:
        raise PriceDataError(
            str(path), GRIDSTATUS_TIME_COLUMN, "as_prices/reserve_zone given for a file "
            "that is not a gridstatus LMP frame",
            expected="AS prices as columns of the file itself (canonical or simple layout)",
            argument="as_prices" if as_prices is not None else "reserve_zone",
        )
    return price_data_from_table(
        df, market, node, source=str(path), on_missing=on_missing, year=year,
        price_column=price_column,
    )


def from_frame(
    frame: pd.DataFrame,
    market: str | Market,
    node: str = "",
    *,
    source: str = "frame",
    on_missing: OnMissing = "raise",
    price_column: str | None = None,
) -> PriceData:
    """Validate a frame already in the canonical layout (or the simple file layout).

    Parameters
    ----------
    frame : pandas.DataFrame
        Either indexed by tz-aware interval starts, or with a timestamp column, and an
        ``energy`` column [$/MWh] plus optional product columns by canonical id.
    market : str or Market
        ISO id or market definition.
    node : str
        Node name recorded in the result.
    source : str
        Name used in error messages and the report.
    on_missing : {"raise", "drop-days"}
        Missing-data policy, see :func:`bessfin.io.load_prices`.
    price_column : str, optional
        Energy price column to use when the frame has two candidates.

    Returns
    -------
    PriceData
    """
    return price_data_from_table(
        frame, get_market(market), node or None, source=source, on_missing=on_missing,
        price_column=price_column,
    )
