"""Screen deals given in Python: a DataFrame of overrides, a list of deals, or a portfolio file.

``bessfin.screen(...)`` (the package is callable) is :func:`screen_deals`; it returns the
result table as a DataFrame (one row per deal, the columns of ``results.csv``).
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bessfin.deal import Deal, as_deal
from bessfin.screen.runner import screen
from bessfin.screen.spec import Portfolio, PortfolioError, expand, load_portfolio


class _DictBases:
    """Base deals by name, given as dicts (the ``bases.get`` of :func:`expand`)."""

    def __init__(self, bases: Mapping[Any, dict[str, Any]], default: Any = None):
        self.bases = bases
        self.default = default

    def get(self, name: Any) -> dict[str, Any]:
        name = self.default if name in (None, "") or _missing(name) else name
        if name not in self.bases:
            raise PortfolioError(f"no base deal for row base {name!r}: give base= or a 'base' "
                                 f"column naming a deal file")
        return copy.deepcopy(self.bases[name])


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _cell(v: Any) -> Any:
    """A frame cell as a plain Python value (numpy scalars unwrapped)."""
    return v.item() if isinstance(v, np.generic) else v


def portfolio_from_frame(frame: pd.DataFrame, base: Any = None, *,
                         mode: str = "screening") -> Portfolio:
    """A portfolio from a frame: one row per deal, optional ``id`` and ``base`` (a deal file)
    columns, every other column a dotted deal key overriding the base deal; an empty (NaN)
    cell keeps the base value."""
    if frame.empty:
        raise PortfolioError("the deals frame has no rows")
    rows = []
    bases: dict[Any, dict[str, Any]] = {}
    default = None
    if base is not None:
        bases["__base__"] = as_deal(base).to_dict()
        default = "__base__"
    for rec in frame.to_dict(orient="records"):
        row = {str(k): _cell(v) for k, v in rec.items() if not _missing(v)}
        if "id" in row:
            row["id"] = str(row["id"])
        b = row.get("base")
        if b is not None and b not in bases:
            bases[b] = as_deal(b).to_dict()
        rows.append(row)
    return expand(Path("<frame>"), rows, {}, {}, _DictBases(bases, default), mode)  # type: ignore[arg-type]


def portfolio_from_deals(deals: Sequence[Any], *, mode: str = "screening") -> Portfolio:
    """A portfolio of whole deals (Deals, TOML paths or dicts), ids their names."""
    bases: dict[Any, dict[str, Any]] = {}
    rows = []
    for i, d in enumerate(deals):
        deal = as_deal(d)
        bases[i] = deal.to_dict()
        name = deal.name if deal.name not in {r["id"] for r in rows} else f"{deal.name} #{i + 1}"
        rows.append({"id": name, "base": i})
    return expand(Path("<deals>"), rows, {}, {}, _DictBases(bases), mode)  # type: ignore[arg-type]


def screen_deals(
    deals: pd.DataFrame | Sequence[Deal | str | os.PathLike | Mapping[str, Any]] | str
    | os.PathLike,
    base: Deal | str | os.PathLike | Mapping[str, Any] | None = None,
    *,
    mode: str = "screening",
    backend: str = "process",
    workers: int | None = None,
    out_dir: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Screen many deals and return the result table.

    Parameters
    ----------
    deals : a DataFrame (one row per deal: optional ``id``, optional ``base`` deal file,
        dotted override columns such as ``battery.energy_mwh``), a list of deals (Deal, TOML
        path or dict), or a portfolio file (``.toml``/``.csv``, see docs/screening.md).
    base : the base deal of frame rows (and of file rows that name none).
    mode : lifetime dispatch mode, ``"screening"`` (the default of screen and compare) or
        ``"full"``; the table's ``dispatch_mode`` column says which was used.
    backend, workers : see :func:`bessfin.screen.screen` (``"serial"`` runs in this process).
    out_dir : where ``results.csv``/``results.jsonl`` go (resumable); a temporary folder if
        None.
    progress : called with (done, total) as deals finish.

    Returns
    -------
    DataFrame : one row per deal: ``id``, ``status``, the overridden keys, the catalogue
        metrics (``equity_irr_after_tax``, ``capex_usd``, ...), ``message`` and timings.
        Rank it with :func:`bessfin.screen.rank`.
    """
    if isinstance(deals, pd.DataFrame):
        pf = portfolio_from_frame(deals, base, mode=mode)
    elif isinstance(deals, str | os.PathLike):
        b = None
        if base is not None:
            b = base if isinstance(base, str | os.PathLike) else None
            if b is None:
                raise PortfolioError("with a portfolio file, base= is a deal file path")
        pf = load_portfolio(deals, base=b, mode=mode)
    else:
        pf = portfolio_from_deals(list(deals), mode=mode)
    with tempfile.TemporaryDirectory(prefix="bessfin-screen-") as tmp:
        target = Path(out_dir) if out_dir is not None else Path(tmp)
        report = screen(pf, target, backend=backend, workers=workers,
                        resume=out_dir is not None, progress=progress)
    table = report.table.drop(columns=["index"], errors="ignore").set_index("id")
    table.attrs["mode"] = mode
    return table
