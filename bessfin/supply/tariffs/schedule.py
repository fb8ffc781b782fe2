"""Duty-layer rows of ``tariff_layers.csv``, validated, and the schedule as a table."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from functools import cache

import pandas as pd

from bessfin.supply.tariffs.catalog import _catalog, _expand_origin
from bessfin.supply.tariffs.common import _PARAM, LAYERS, STATUSES, _read_text, to_date
from bessfin.supply.tariffs.scenarios import Scenario, _resolve_scenario, _scenario_file


@dataclass(frozen=True)
class _Row:
    row_id: str
    item: str
    origins: tuple[str, ...]
    origin_cell: str
    layer: str
    rate_cell: str
    from_cell: str
    effective_to: date | None
    tag: str | None
    status: str
    source: str
    note: str

    def rate(self, sc: Scenario) -> float:
        """Rate as a fraction under scenario ``sc``."""
        if self.rate_cell.startswith(_PARAM):
            value = sc.params[self.rate_cell[len(_PARAM) :]]
            if isinstance(value, date):
                raise ValueError(f"row {self.row_id}: rate parameter is a date")
            return float(value) / 100.0
        return float(self.rate_cell) / 100.0

    def effective_from(self, sc: Scenario) -> date:
        if self.from_cell.startswith(_PARAM):
            return to_date(sc.params[self.from_cell[len(_PARAM) :]])  # type: ignore[arg-type]
        return date.fromisoformat(self.from_cell)

    def in_force(self, sc: Scenario, on: date) -> bool:
        if self.tag is not None and self.tag not in sc.tags:
            return False
        if on < self.effective_from(sc):
            return False
        return self.effective_to is None or on <= self.effective_to


@cache
def _rows() -> tuple[_Row, ...]:
    text = "\n".join(
        line for line in _read_text("tariff_layers.csv").splitlines() if not line.startswith("#")
    )
    rows: list[_Row] = []
    params = _scenario_file()["params"]
    seen: set[str] = set()
    for rec in csv.DictReader(io.StringIO(text)):
        rid = rec["row_id"]
        if rid in seen:
            raise ValueError(f"duplicate row_id {rid!r} in tariff_layers.csv")
        seen.add(rid)
        if rec["layer"] not in LAYERS:
            raise ValueError(f"row {rid}: unknown layer {rec['layer']!r}")
        if rec["status"] not in STATUSES:
            raise ValueError(f"row {rid}: unknown status {rec['status']!r}")
        if rec["item"] != "*" and rec["item"] not in _catalog().items:
            raise ValueError(f"row {rid}: unknown item {rec['item']!r}")
        for cell in (rec["rate_pct"], rec["effective_from"]):
            if cell.startswith(_PARAM) and cell[len(_PARAM) :] not in params:
                raise ValueError(f"row {rid}: unknown parameter {cell!r}")
        to_cell = rec["effective_to"].strip()
        rows.append(
            _Row(
                row_id=rid,
                item=rec["item"],
                origins=_expand_origin(rec["origin"]),
                origin_cell=rec["origin"],
                layer=rec["layer"],
                rate_cell=rec["rate_pct"].strip(),
                from_cell=rec["effective_from"].strip(),
                effective_to=date.fromisoformat(to_cell) if to_cell else None,
                tag=rec["tag"].strip() or None,
                status=rec["status"],
                source=rec["source"],
                note=rec["note"] or "",
            )
        )
    return tuple(rows)


def table_start() -> date:
    """First date covered by the schedule (earlier dates raise)."""
    return _scenario_file()["meta"]["table_start"]


def tariff_table(scenario: str | Scenario | None = None) -> pd.DataFrame:
    """The duty-layer table as shipped, optionally with parameters resolved.

    Parameters
    ----------
    scenario : str or Scenario, optional
        If given, ``rate`` (fraction) and ``effective_from`` are resolved under it and rows whose
        tag the scenario does not enable are dropped. If None, the raw cells are returned.

    Returns
    -------
    pandas.DataFrame
        One row per duty layer with item, origin, layer, rate, dates, tag, status, source, note.
    """
    recs = []
    sc = None if scenario is None else _resolve_scenario(scenario)
    for r in _rows():
        if sc is not None and r.tag is not None and r.tag not in sc.tags:
            continue
        recs.append(
            {
                "row_id": r.row_id,
                "item": r.item,
                "origin": r.origin_cell,
                "layer": r.layer,
                "rate": r.rate(sc) if sc else r.rate_cell,
                "effective_from": r.effective_from(sc) if sc else r.from_cell,
                "effective_to": r.effective_to,
                "tag": r.tag,
                "status": r.status,
                "source": r.source,
                "note": r.note,
            }
        )
    return pd.DataFrame(recs)
