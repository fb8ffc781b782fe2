"""Shipped ISO price files (``bessfin.market_data``) by name: ``"ercot 2024 HB_HOUSTON"``."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from bessfin.io.errors import UnknownSeriesError
from bessfin.io.files import price_data_from_table, read_table
from bessfin.io.prices import OnMissing, PriceData
from bessfin.markets import Market, PriceFile, markets

__all__ = ["available", "load_prices", "parse_price_spec", "shipped_path"]

_DATA_PACKAGE = "bessfin.market_data"


@cache
def data_root() -> Traversable:
    """Folder of the shipped price files.

    Installed, it is the ``bessfin.market_data`` package (the project's top-level
    ``market_data/``, mapped in ``setup.py``). When ``bessfin`` is imported from a source
    checkout while a non-editable install sits in the environment (the test suite in CI), the
    package is not importable from the tree and the folder is ``market_data/`` beside
    ``bessfin/``.
    """
    try:
        return resources.files(_DATA_PACKAGE)
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parents[2] / "market_data"
        if not (checkout / "SOURCES.md").is_file():
            raise
        return checkout


@cache
def _header(filename: str) -> tuple[str, ...]:
    with data_root().joinpath(filename).open("r") as fh:
        return tuple(c.strip().lower() for c in fh.readline().strip().split(","))


def _market(iso: str) -> Market:
    known = markets()
    key = iso.strip().lower()
    if key not in known:
        shipped = sorted(k for k, v in known.items() if v.shipped)
        raise UnknownSeriesError(
            f"unknown ISO {iso!r}; shipped ISOs are {shipped}; user prices only: "
            f"{sorted(set(known) - set(shipped))}"
        )
    return known[key]


def _file(m: Market, market: str) -> PriceFile:
    if not m.shipped:
        shipped = sorted(k for k, v in markets().items() if v.shipped)
        raise UnknownSeriesError(
            f"bessfin ships no {m.name} prices (shipped ISOs: {shipped}); bring your own: "
            f"bessfin.io.from_gridstatus(lmp_df, {m.iso!r}, as_prices=...) for gridstatus frames, "
            f"or bessfin.io.read_prices(path, {m.iso!r}) for a CSV/Parquet file"
        )
    kinds = [f.market for f in m.files]
    for f in m.files:
        if f.market == market.strip().lower():
            return f
    raise UnknownSeriesError(f"{m.iso} has no shipped {market!r} prices; markets are {kinds}")


def _nodes_in(m: Market, f: PriceFile, year: int) -> list[str]:
    header = _header(f.pattern.format(year=year))
    return [n for n in f.nodes if m.node_column(n) in header]


def shipped_path(iso: str, year: int, *, market: str = "dam") -> str:
    """Path of a shipped price file (inside the installed ``bessfin.market_data``)."""
    m = _market(iso)
    f = _file(m, market)
    if year not in f.years:
        raise UnknownSeriesError(
            f"{m.iso} {f.market} has no shipped year {year}; years are {list(f.years)}"
        )
    return str(data_root().joinpath(f.pattern.format(year=year)))


def available() -> list[tuple[str, str, int, str]]:
    """Shipped (iso, market, year, node) combinations, read from the file headers.

    Returns
    -------
    list of (str, str, int, str)
        E.g. ``("ercot", "dam", 2024, "HB_HOUSTON")``.
    """
    out = []
    for iso, m in sorted(markets().items()):
        for f in m.files:
            for y in f.years:
                out += [(iso, f.market, y, n) for n in _nodes_in(m, f, y)]
    return out


def parse_price_spec(text: str) -> tuple[str, int, str]:
    """Split ``"ercot 2024 HB_HOUSTON"`` into ``("ercot", 2024, "HB_HOUSTON")``.

    Parts may be separated by spaces, commas, colons or slashes; the node is everything
    after the year, so ``"pjm 2024 WESTERN HUB"`` gives node ``"WESTERN HUB"``.

    Raises
    ------
    ValueError
        If the text is not ``<iso> <year> <node>``.
    """
    m = re.fullmatch(r"\s*([A-Za-z]+)[\s,:/]+(\d{4})[\s,:/]+(\S.*?)\s*", text)
    if not m:
        raise ValueError(
            f"price spec {text!r} is not '<iso> <year> <node>', e.g. 'ercot 2024 HB_HOUSTON'"
        )
    return m.group(1).lower(), int(m.group(2)), m.group(3)


def load_prices(
    iso: str,
    year: int | None = None,
    node: str | None = None,
    *,
    market: str = "dam",
    on_missing: OnMissing = "raise",
) -> PriceData:
    """Load and validate shipped prices of one node for one calendar year.

    Parameters
    ----------
    iso : str
        ISO id (``"ercot"``, ``"caiso"``, ``"pjm"``, ``"spp"``; any case), or a whole spec
        ``"ercot 2024 HB_HOUSTON"`` with ``year`` and ``node`` left out.
    year : int
        Local calendar year.
    node : str
        Node / settlement point, any case; CAISO nodes with or without ``_GEN-APND``.
    market : {"dam", "rtm"}
        Day-ahead or real-time energy prices (real-time files carry no products).
    on_missing : {"raise", "drop-days"}
        ``"raise"`` (default): a missing hour or a NaN price where the product is offered
        is a :class:`PriceDataError`. ``"drop-days"``: drop each local day with any
        missing hour or NaN price; ``report.dropped_days`` says which and why.

    Returns
    -------
    PriceData
        Energy [$/MWh], product capacity prices [$/MW-h] and mileage prices [$/MW].

    Raises
    ------
    UnknownSeriesError
        Unknown ISO, market, year or node (the message lists what is shipped).
    PriceDataError
        The file breaks a data rule (e.g. CAISO 2023: 264 NaN LMP hours in January).
    """
    if year is None and node is None:
        iso, year, node = parse_price_spec(iso)
    if year is None or node is None:
        raise TypeError("load_prices needs iso, year and node (or one spec string)")
    m = _market(iso)
    f = _file(m, market)
    path = shipped_path(m.iso, int(year), market=f.market)
    nodes = _nodes_in(m, f, int(year))
    want = m.node_column(node)
    match = [n for n in nodes if m.node_column(n) == want]
    if not match:
        raise UnknownSeriesError(
            f"{m.iso} {year} {f.market} has no node {node!r}; {m.iso} {year} has nodes {nodes}"
        )
    header = _header(f.pattern.format(year=year))
    wanted = {"timestamp_utc", want, "filled"}
    for p in m.products:
        wanted.add(p.price_column)
        if p.mileage:
            wanted.add(p.mileage.price_column)
    df = read_table(path, usecols=[c for c in header if c in wanted])
    return price_data_from_table(
        df,
        m,
        match[0],
        source=path,
        on_missing=on_missing,
        year=int(year),
        allow_partial_year=f.partial,
    )
