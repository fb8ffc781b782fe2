"""US import duty schedule for BESS equipment, read from shipped data.

The schedule is data, not code:

* ``tariff_layers.csv``: one row per duty layer (item, origin, layer, rate, dates, status, source).
* ``tariff_items.toml``: item and origin names, aliases and origin groups.
* ``tariff_scenarios.toml``: named scenarios (tags and parameters) for everything the fact sheet
  leaves open, with a status and rationale for every parameter.
* ``tariff_stacking.toml``: how layers interact (Section 232 content shares, layers that do not
  stack on the Section 232 portion, MFN-inclusive reciprocal rates, exemptions).

All rates returned by this module are fractions of customs value (0.109 = 10.9 %).
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "LAYERS",
    "DutyResult",
    "LayerCharge",
    "Scenario",
    "duty",
    "duty_rates",
    "get_scenario",
    "list_scenarios",
    "normalize_item",
    "normalize_origin",
    "scenario_params",
    "table_start",
    "tariff_table",
    "to_date",
    "valid_items",
    "valid_origins",
]

#: Canonical duty-layer keys, in reporting order, with display names.
LAYERS: dict[str, str] = {
    "mfn": "MFN",
    "section301": "Section 301",
    "ieepa_fentanyl": "IEEPA fentanyl",
    "ieepa_reciprocal": "IEEPA reciprocal",
    "section122": "Section 122",
    "section232_steel_aluminium": "Section 232 steel/aluminium content",
    "section232_copper": "Section 232 copper",
    "adcvd": "AD/CVD",
}
STATUSES = ("VERIFIED", "DERIVED", "UNCERTAIN", "DISPUTED")
_PARAM = "param:"
_PKG = "bessfin.supply"


def _read_text(name: str) -> str:
    return files(_PKG).joinpath(name).read_text(encoding="utf-8")


def _load_toml(name: str) -> dict[str, Any]:
    return tomllib.loads(_read_text(name))


def to_date(value: date | str) -> date:
    """Coerce a ``date``, ``datetime``/``Timestamp`` or ISO string to ``datetime.date``.

    Parameters
    ----------
    value : date or str
        A date, a datetime (time of day dropped) or an ISO ``YYYY-MM-DD`` string.

    Returns
    -------
    datetime.date
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"date {value!r} is not ISO YYYY-MM-DD") from exc
    raise TypeError(f"expected a date or ISO string, got {type(value).__name__}")


# --------------------------------------------------------------------------------------------
# Items and origins
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    items: dict[str, dict[str, Any]]
    item_alias: dict[str, str]
    origins: tuple[str, ...]
    origin_alias: dict[str, str]
    groups: dict[str, tuple[str, ...]]


def _key(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


@cache
def _catalog() -> _Catalog:
    raw = _load_toml("tariff_items.toml")
    items = raw["items"]
    item_alias: dict[str, str] = {}
    for name, spec in items.items():
        item_alias[_key(name)] = name
        for alias in spec.get("aliases", []):
            item_alias[_key(alias)] = name
    origin_alias: dict[str, str] = {}
    for name, aliases in raw["origins"].items():
        origin_alias[_key(name)] = name
        for alias in aliases:
            origin_alias[_key(alias)] = name
    groups = {g: tuple(members) for g, members in raw["origin_groups"].items()}
    for g, members in groups.items():
        unknown = set(members) - set(raw["origins"])
        if unknown:
            raise ValueError(f"origin group {g!r} lists unknown origins {sorted(unknown)}")
    return _Catalog(items, item_alias, tuple(raw["origins"]), origin_alias, groups)


def valid_items() -> tuple[str, ...]:
    """Canonical item names accepted by :func:`duty` (aliases such as HTS codes also work)."""
    return tuple(_catalog().items)


def valid_origins() -> tuple[str, ...]:
    """Canonical origin names accepted by :func:`duty` (``"us"`` = domestic, no duty)."""
    return _catalog().origins


def normalize_item(item: str) -> str:
    """Map an item name or alias (e.g. ``"8507.60.0020"``) to its canonical name.

    Raises
    ------
    ValueError
        If the item is unknown; the message lists the valid items.
    """
    cat = _catalog()
    try:
        return cat.item_alias[_key(item)]
    except KeyError:
        raise ValueError(
            f"unknown item {item!r}; valid items: {', '.join(cat.items)} "
            f"(aliases: {', '.join(sorted(a for a in cat.item_alias if a not in cat.items))})"
        ) from None


def normalize_origin(origin: str) -> str:
    """Map an origin name or alias (e.g. ``"korea"``) to its canonical name.

    Raises
    ------
    ValueError
        If the origin is unknown; the message lists the valid origins.
    """
    cat = _catalog()
    try:
        return cat.origin_alias[_key(origin)]
    except KeyError:
        raise ValueError(
            f"unknown origin {origin!r}; valid origins: {', '.join(cat.origins)}"
        ) from None


def _expand_origin(cell: str) -> tuple[str, ...]:
    cat = _catalog()
    if cell.startswith("@"):
        try:
            return cat.groups[cell[1:]]
        except KeyError:
            raise ValueError(f"unknown origin group {cell!r} in tariff_layers.csv") from None
    if cell not in cat.origins:
        raise ValueError(f"unknown origin {cell!r} in tariff_layers.csv")
    return (cell,)


# --------------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------------


class Scenario(BaseModel):
    """A named tariff scenario: enabled row/rule tags plus parameter values.

    Attributes
    ----------
    name : str
        Scenario name.
    description : str
        What the scenario assumes.
    tags : frozenset of str
        Tags enabling tagged rows of ``tariff_layers.csv`` / rules of ``tariff_stacking.toml``.
    params : dict
        Parameter values (percent for ``*_pct``, dates for ``*_from``).
    """

    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    tags: frozenset[str] = frozenset()
    params: dict[str, float | date] = Field(default_factory=dict)


@cache
def _scenario_file() -> dict[str, Any]:
    return _load_toml("tariff_scenarios.toml")


def list_scenarios() -> dict[str, str]:
    """Scenario names and their descriptions."""
    return {k: v["description"] for k, v in _scenario_file()["scenarios"].items()}


def scenario_params() -> pd.DataFrame:
    """Parameter catalogue: default, unit, status and rationale for every scenario parameter."""
    rows = [{"param": k, **v} for k, v in _scenario_file()["params"].items()]
    return pd.DataFrame(rows).set_index("param")


def get_scenario(name: str = "current-law", **params: float | date | str) -> Scenario:
    """Build a scenario by name, optionally overriding parameters.

    Parameters
    ----------
    name : str
        One of :func:`list_scenarios`.
    **params
        Overrides, e.g. ``section301_excess_capacity_pct=50.0`` (percent) or
        ``section301_excess_capacity_from="2026-09-01"``.

    Returns
    -------
    Scenario

    Raises
    ------
    ValueError
        Unknown scenario or parameter name (the message lists the valid ones), or a negative rate.
    """
    raw = _scenario_file()
    scenarios = raw["scenarios"]
    if name not in scenarios:
        raise ValueError(f"unknown scenario {name!r}; valid scenarios: {', '.join(scenarios)}")
    spec = scenarios[name]
    values: dict[str, float | date] = {k: v["default"] for k, v in raw["params"].items()}
    values.update(spec.get("params", {}))
    for key, value in params.items():
        if key not in raw["params"]:
            raise ValueError(
                f"unknown scenario parameter {key!r}; valid parameters: {', '.join(raw['params'])}"
            )
        if raw["params"][key]["unit"] == "date":
            values[key] = to_date(value)  # type: ignore[arg-type]
        else:
            if isinstance(value, date | str) or float(value) < 0:
                raise ValueError(f"parameter {key!r} must be a non-negative percent, got {value!r}")
            values[key] = float(value)
    return Scenario(
        name=name,
        description=spec["description"],
        tags=frozenset(spec.get("tags", [])),
        params=values,
    )


def _resolve_scenario(scenario: str | Scenario) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else get_scenario(scenario)


# --------------------------------------------------------------------------------------------
# Layer rows
# --------------------------------------------------------------------------------------------


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


@cache
def _stacking() -> dict[str, Any]:
    return _load_toml("tariff_stacking.toml")


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


# --------------------------------------------------------------------------------------------
# Duty computation
# --------------------------------------------------------------------------------------------


class LayerCharge(BaseModel):
    """One duty layer applied to one item.

    Attributes
    ----------
    layer : str
        Layer key (see :data:`LAYERS`).
    row_id : str
        Row of ``tariff_layers.csv`` that supplied the rate.
    statutory_rate : float
        Rate of the layer on the value it applies to [fraction].
    base_share : float
        Share of customs value the layer applies to [fraction, 0..1] (e.g. metal content).
    rate : float
        Effective ad-valorem contribution on total customs value = statutory_rate * base_share.
    status, source, note : str
        Provenance from the data row (and stacking rule, if one changed the charge).
    """

    model_config = ConfigDict(frozen=True)

    layer: str
    row_id: str
    statutory_rate: float
    base_share: float
    rate: float
    status: str
    source: str
    note: str = ""

    @property
    def layer_name(self) -> str:
        """Display name of the layer."""
        return LAYERS[self.layer]


class DutyResult(BaseModel):
    """Total duty on one item and its breakdown by layer.

    Attributes
    ----------
    item, origin : str
        Canonical names.
    on_date : date
        Entry date.
    scenario : str
        Scenario name.
    total_rate : float
        Sum of ``layers[*].rate`` [fraction of customs value].
    layers : tuple of LayerCharge
        Layers in force (rate 0 rows included for provenance).
    notes : tuple of str
        Warnings, e.g. a date past the last sourced fact.
    """

    model_config = ConfigDict(frozen=True)

    item: str
    origin: str
    on_date: date
    scenario: str
    total_rate: float
    layers: tuple[LayerCharge, ...]
    notes: tuple[str, ...] = ()

    def by_layer(self) -> dict[str, float]:
        """Effective rate per layer key, all :data:`LAYERS` keys present [fraction]."""
        out = dict.fromkeys(LAYERS, 0.0)
        for ch in self.layers:
            out[ch.layer] += ch.rate
        return out

    def breakdown(self) -> pd.DataFrame:
        """Breakdown as a DataFrame (one row per applied layer)."""
        return pd.DataFrame(
            [{"layer_name": c.layer_name, **c.model_dump()} for c in self.layers],
            columns=[
                "layer",
                "layer_name",
                "row_id",
                "statutory_rate",
                "base_share",
                "rate",
                "status",
                "source",
                "note",
            ],
        )


def _share(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")
    return float(value)


def duty(
    item: str,
    origin: str,
    on_date: date | str,
    scenario: str | Scenario = "current-law",
    *,
    steel_aluminium_share: float | None = None,
    copper_share: float | None = None,
) -> DutyResult:
    """Total ad-valorem US import duty on an item, with the breakdown by layer.

    Parameters
    ----------
    item : str
        Item name or alias, one of :func:`valid_items` (e.g. ``"battery"`` / ``"8507.60.0020"``).
    origin : str
        Country of origin, one of :func:`valid_origins`; ``"us"`` gives no duty.
    on_date : date or str
        Date of entry (ISO string accepted). Must be on or after :func:`table_start`.
    scenario : str or Scenario
        Scenario name from :func:`list_scenarios` or a :class:`Scenario` from :func:`get_scenario`.
    steel_aluminium_share, copper_share : float, optional
        Metal content as a fraction of customs value. Required only when a Section 232 content
        layer is in force for the item on the date (enclosures, copper cabling).

    Returns
    -------
    DutyResult
        ``total_rate`` [fraction of customs value] equals the sum of the layer rates.

    Raises
    ------
    ValueError
        Unknown item/origin/scenario (valid names listed), a date before the table start, a
        missing or out-of-range content share, or content shares summing above 1.
    """
    it = normalize_item(item)
    org = normalize_origin(origin)
    day = to_date(on_date)
    start = table_start()
    if day < start:
        raise ValueError(f"on_date {day} is before the tariff table start {start}")
    sc = _resolve_scenario(scenario)
    shares = {
        "steel_aluminium_share": _share("steel_aluminium_share", steel_aluminium_share),
        "copper_share": _share("copper_share", copper_share),
    }
    notes: list[str] = []
    meta = _scenario_file()["meta"]
    if day >= meta["uncertain_after"]:
        notes.append(
            f"{day} is on/after {meta['uncertain_after']}: no sourced tariff facts after that "
            f"date (facts as of {meta['facts_as_of']}); result reflects scenario '{sc.name}'."
        )
    if org == "us":
        return DutyResult(
            item=it,
            origin=org,
            on_date=day,
            scenario=sc.name,
            total_rate=0.0,
            layers=(),
            notes=(*notes, "US origin: no import duty."),
        )

    rules = _stacking()
    exempt = {
        r["layer"]
        for r in rules.get("exemption", [])
        if r["tag"] in sc.tags and it in r["items"]
    }
    rows = [
        r
        for r in _rows()
        if (r.item in ("*", it)) and org in r.origins and r.in_force(sc, day)
        and r.layer not in exempt
    ]

    content = rules["content_share"]
    metal_share = 0.0
    for r in rows:
        if r.layer in content:
            arg = content[r.layer]
            if shares[arg] is None:
                raise ValueError(
                    f"{LAYERS[r.layer]} applies to the metal content of {it!r} from {org!r} on "
                    f"{day} (row {r.row_id}); pass {arg} as a fraction of customs value in [0, 1]"
                )
            metal_share += shares[arg]  # type: ignore[operator]
    if metal_share > 1.0 + 1e-12:
        raise ValueError(f"Section 232 content shares sum to {metal_share:.3f} > 1")

    not_on_232 = {r["layer"]: r for r in rules.get("not_on_232_portion", [])}
    mfn_rate = sum(r.rate(sc) for r in rows if r.layer == "mfn")
    inclusive = [
        r
        for r in rules.get("inclusive_of_mfn", [])
        if r["tag"] in sc.tags and org in r["origins"]
    ]

    charges: list[LayerCharge] = []
    for r in rows:
        stat = r.rate(sc)
        base = 1.0
        status, source, note = r.status, r.source, r.note
        if r.layer in content:
            base = shares[content[r.layer]]  # type: ignore[assignment]
        elif r.layer in not_on_232 and metal_share > 0:
            base = 1.0 - metal_share
            note = f"{note} Not charged on the Section 232 portion: {not_on_232[r.layer]['source']}"
            if not_on_232[r.layer]["status"] == "UNCERTAIN":
                status = "UNCERTAIN"
        for rule in inclusive:
            if r.row_id in rule["rows"]:
                stat = max(0.0, stat - mfn_rate)
                status = rule["status"]
                note = f"{note} Inclusive of MFN ({mfn_rate:.2%}): {rule['source']}"
        charges.append(
            LayerCharge(
                layer=r.layer,
                row_id=r.row_id,
                statutory_rate=stat,
                base_share=base,
                rate=stat * base,
                status=status,
                source=source,
                note=note.strip(),
            )
        )
    order = list(LAYERS)
    charges.sort(key=lambda c: (order.index(c.layer), c.row_id))
    return DutyResult(
        item=it,
        origin=org,
        on_date=day,
        scenario=sc.name,
        total_rate=sum(c.rate for c in charges),
        layers=tuple(charges),
        notes=tuple(notes),
    )


def duty_rates(
    on_date: date | str,
    scenario: str | Scenario = "current-law",
    items: Sequence[str] | None = None,
    origins: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Total duty rate matrix (items x origins) for items with no Section 232 content.

    Parameters
    ----------
    on_date : date or str
        Entry date.
    scenario : str or Scenario
        Scenario name or object.
    items : sequence of str, optional
        Items without Section 232 content layers; defaults to battery, pcs, transformer.
    origins : sequence of str, optional
        Origins; defaults to all.

    Returns
    -------
    pandas.DataFrame
        Total rate [fraction], index = item, columns = origin.
    """
    names = list(items) if items is not None else ["battery", "pcs", "transformer"]
    orgs = origins or valid_origins()
    data = {o: [duty(i, o, on_date, scenario).total_rate for i in names] for o in orgs}
    return pd.DataFrame(data, index=pd.Index(names, name="item"))
