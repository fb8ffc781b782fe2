"""The one supply pricer: a supply option's DC block priced on a date, with its sourcing tests.

:func:`price_option` serves deal runs (:func:`bessfin.deal.resolve_supply`), parity studies and
:func:`bessfin.supply.compare_supply_options`. It returns a :class:`SupplyOutcome`: the totals row,
the per-line landed cost and a tidy frame of the duty layers behind it (with their sources).

The import-duty knob
--------------------
``import_duty_rate`` (a fraction: 0.484 = 48.4 %) REPLACES the scenario's duty on every line with
``item == "battery"`` and a non-US origin: all duty layer columns of those lines are set to 0 and
``duty_override_usd = rate x FOB`` is charged instead, so that::

    landed = FOB x (1 + rate) + freight          (duty on FOB, as in bessfin.supply.landed)

Nothing is added on top of the scenario's duty, so there is no double count. Other items (PCS,
enclosures, ...) and US-made lines keep the scenario's duties (zero for US lines).

Units: rates and shares are fractions; money in nominal US$; ``*_usd_per_kwh`` per kWh of DC
block energy capacity.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from bessfin.supply.credits45x import price_effect_45x
from bessfin.supply.landed import EquipmentItem, landed_cost_with_layers
from bessfin.supply.options import (
    cost_record,
    list_supply_options,
    supply_option,
    supply_option_lines,
)
from bessfin.supply.sourcing import assess_sourcing
from bessfin.supply.tariffs import LAYERS, Scenario, to_date

__all__ = [
    "CustomOption",
    "OptionLike",
    "SupplyOutcome",
    "compare_supply_options",
    "option_line_specs",
    "option_name",
    "price_option",
]


@dataclasses.dataclass(frozen=True)
class SupplyOutcome:
    """A priced supply option.

    Attributes
    ----------
    option : str
        Option name.
    summary : pandas.Series
        Totals (see :func:`price_option`), one row of a comparison table.
    landed : pandas.DataFrame
        Per-line landed cost (:data:`bessfin.supply.LANDED_COLUMNS` + ``duty_override_usd``).
    duty_layers : pandas.DataFrame
        Tidy provenance of each line's duty: ``line``, ``layer``, ``rate`` [fraction of the
        line's customs value], ``base_share`` [fraction], ``status``, ``source``, ``note``.
    """

    option: str
    summary: pd.Series
    landed: pd.DataFrame
    duty_layers: pd.DataFrame

    @property
    def dc_block_usd_per_kwh(self) -> float:
        """Net DC block price: landed (FOB + freight + duties) less passed-through 45X [$/kWh]."""
        return float(self.summary["net_usd_per_kwh"])

    @property
    def dc_adjusted_pct(self) -> float:
        """Adjusted domestic-content percentage of the option's lines [fraction]."""
        return float(self.summary["dc_adjusted_pct"])

    @property
    def macr(self) -> float:
        """Material assistance cost ratio (non-PFE share) [fraction]."""
        return float(self.summary["macr"])

    @property
    def duty_rate_imported(self) -> float:
        """Duty / FOB of the imported battery lines [fraction]; NaN if there are none."""
        return float(self.summary["duty_rate_imported"])


@dataclasses.dataclass(frozen=True)
class CustomOption:
    """A supply option not in ``supply_options.toml``, given as lines priced per kWh.

    Attributes
    ----------
    name : str
        Option name (table row label).
    lines : tuple of mapping
        One mapping per line with the keys of ``supply_options.toml`` lines: ``name``, ``item``,
        ``origin``, ``usd_per_kwh`` [$/kWh], ``freight_pct`` [fraction of FOB] (or
        ``freight_usd``), ``supplier_is_pfe``, ``us_manufactured``, ``x45`` (45X components the
        line's US maker claims, e.g. ``["cell"]``), optional ``status`` and ``source``.
    description : str
        What the option is.
    """

    name: str
    lines: tuple[Mapping[str, Any], ...]
    description: str = ""

    def __post_init__(self) -> None:
        if not self.lines:
            raise ValueError(f"custom option {self.name!r} has no lines")
        names = [ln.get("name") for ln in self.lines]
        if len(set(names)) != len(names) or None in names:
            raise ValueError(f"custom option {self.name!r}: every line needs a unique name")


OptionLike = str | CustomOption
_LINE_META = ("usd_per_kwh", "x45", "status")


def option_name(option: OptionLike) -> str:
    """Name of a shipped or custom option."""
    return option.name if isinstance(option, CustomOption) else option


def option_line_specs(
    option: OptionLike, overrides: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Line specs of an option (``supply_options.toml`` layout) with overrides merged."""
    if isinstance(option, CustomOption):
        base = [dict(ln) for ln in option.lines]
    else:
        base = supply_option_lines(option).to_dict("records")
    names = [ln["name"] for ln in base]
    unknown = set(overrides) - set(names)
    if unknown:
        raise ValueError(
            f"line_overrides for unknown lines {sorted(unknown)} of option "
            f"{option_name(option)!r}; lines: {names}"
        )
    return [{**ln, **overrides.get(ln["name"], {})} for ln in base]


def _items(
    option: OptionLike,
    specs: list[dict[str, Any]],
    energy_kwh: float,
    overrides: Mapping[str, Mapping[str, Any]],
) -> list[EquipmentItem]:
    if isinstance(option, str):
        # supply_option merges the overrides and drops the non-EquipmentItem keys (x45, ...).
        return supply_option(option, energy_kwh, line_overrides=overrides)
    items = []
    for spec in specs:
        fields = {k: v for k, v in spec.items() if k not in (*_LINE_META, "source")}
        fields["fob_cost_usd"] = float(spec["usd_per_kwh"]) * energy_kwh
        fields["source"] = f"[{spec.get('status', 'USER')}] {spec.get('source', '')}".strip()
        items.append(EquipmentItem(**fields))
    return items


def _override_layers(
    layers: pd.DataFrame, lc: pd.DataFrame, rate: float | None
) -> pd.DataFrame:
    """The duty-layer frame with the layers of overridden lines replaced by one override row."""
    if rate is None:
        return layers
    mask = (lc["item"] == "battery") & (lc["origin"] != "us")
    names = set(lc.loc[mask, "name"])
    kept = layers[~layers["line"].isin(names)]
    rows = pd.DataFrame(
        [{"line": n, "layer": "import duty override", "rate": rate, "base_share": 1.0,
          "status": "USER", "source": "import_duty_rate",
          "note": "replaces the scenario's duty layers on imported battery lines"}
         for n in lc.loc[mask, "name"]],
        columns=layers.columns,
    )
    return pd.concat([kept, rows], ignore_index=True) if len(rows) else kept


def _apply_duty_override(lc: pd.DataFrame, rate: float | None) -> pd.DataFrame:
    """Replace the duty on imported battery lines by ``rate`` x FOB (see module docstring)."""
    lc = lc.copy()
    lc["duty_override_usd"] = 0.0
    if rate is None:
        return lc
    if not (math.isfinite(rate) and rate >= 0):
        raise ValueError(f"import_duty_rate must be a fraction >= 0, got {rate!r}")
    mask = (lc["item"] == "battery") & (lc["origin"] != "us")
    layer_cols = [f"duty_{k}_usd" for k in LAYERS]
    lc.loc[mask, layer_cols] = 0.0
    lc.loc[mask, "duty_rate"] = rate
    lc.loc[mask, "duty_override_usd"] = rate * lc.loc[mask, "fob_usd"]
    lc["duty_total_usd"] = lc[layer_cols].sum(axis=1) + lc["duty_override_usd"]
    lc["landed_usd"] = lc["fob_usd"] + lc["freight_usd"] + lc["duty_total_usd"]
    return lc


def price_option(
    option: OptionLike,
    energy_kwh: float,
    on_date: date | str,
    boc_date: date | str,
    *,
    scenario: str | Scenario = "current-law",
    import_duty_rate: float | None = None,
    line_overrides: Mapping[str, Mapping[str, Any]] | None = None,
    steel_iron_us: bool = True,
    pass_through_45x: float = 0.0,
    sale_year: int | None = None,
    macr_2029: float | None = None,
    extra_items: Sequence[EquipmentItem] = (),
) -> SupplyOutcome:
    """Price the DC block of a supply option and run its sourcing tests.

    Parameters
    ----------
    option : str or CustomOption
        A shipped option (:func:`bessfin.supply.list_supply_options`) or a custom one.
    energy_kwh : float
        DC block energy [kWh].
    on_date : date or str
        Date of entry for duties.
    boc_date : date or str
        Beginning of construction (DC and MACR thresholds).
    scenario : str or Scenario
        Tariff scenario for all duties not replaced by ``import_duty_rate``.
    import_duty_rate : float, optional
        Total ad-valorem duty [fraction of FOB] that replaces the scenario's duty on imported
        battery lines (see module docstring). ``None`` keeps the scenario's duty.
    line_overrides : mapping, optional
        ``{line name: {field: value}}``, e.g. ``{"cells (US, non-PFE)": {"usd_per_kwh": 80}}``;
        may also change ``x45``.
    steel_iron_us : bool
        All structural steel/iron US-made (DC requirement).
    pass_through_45x : float
        Share of the US maker's 45X credit in the price [fraction].
    sale_year : int, optional
        45X sale year; default ``on_date``'s year.
    macr_2029 : float, optional
        DISPUTED 2029 component MACR threshold for 45X (see :func:`price_effect_45x`).
    extra_items : sequence of EquipmentItem
        Lines added to the option (e.g. PCS) for totals and the DC / MACR tests (no 45X).

    Returns
    -------
    SupplyOutcome
        ``summary`` has the columns of :func:`bessfin.supply.compare_supply_options` (``*_usd``
        [$], ``*_per_kwh`` [$/kWh], ``dc_adjusted_pct``, ``dc_passes``, ``macr``,
        ``macr_passes``) plus ``dc_threshold``, ``macr_threshold``, ``imported_battery_fob_usd``,
        ``duty_rate_imported`` (duty / FOB of imported battery lines [fraction], NaN if none),
        ``duty_overridden`` and ``sourcing_reasons``; ``landed`` the per-line landed cost with a
        ``duty_override_usd`` column.
    """
    if energy_kwh <= 0:
        raise ValueError(f"energy_kwh must be > 0, got {energy_kwh!r}")
    if not 0.0 <= pass_through_45x <= 1.0:
        raise ValueError(f"pass_through_45x must be a fraction in [0, 1], got {pass_through_45x}")
    overrides = dict(line_overrides or {})
    specs = option_line_specs(option, overrides)
    items = _items(option, specs, energy_kwh, overrides) + list(extra_items)
    landed, layers = landed_cost_with_layers(items, on_date, scenario)
    lc = _apply_duty_override(landed, import_duty_rate)
    year = to_date(on_date).year if sale_year is None else int(sale_year)
    effect = sum(
        price_effect_45x(year, spec["x45"], pass_through_45x, macr_2029=macr_2029) * energy_kwh
        for spec in specs if spec.get("x45")
    )
    src = assess_sourcing(items, boc_date, steel_iron_us)
    imported = (lc["item"] == "battery") & (lc["origin"] != "us")
    imp_fob = float(lc.loc[imported, "fob_usd"].sum())
    imp_duty = float(lc.loc[imported, "duty_total_usd"].sum())
    rec = cost_record(lc, effect, src, energy_kwh)
    rec.update(
        imported_battery_fob_usd=imp_fob,
        duty_rate_imported=imp_duty / imp_fob if imp_fob > 0 else float("nan"),
        duty_overridden=import_duty_rate is not None and bool(imported.any()),
        sourcing_reasons="; ".join(src.reasons),
    )
    name = option_name(option)
    return SupplyOutcome(option=name, summary=pd.Series(rec, name=name, dtype=object), landed=lc,
                         duty_layers=_override_layers(layers, lc, import_duty_rate))


#: Columns of :func:`compare_supply_options` (the :func:`cost_record` fields).
_COMPARE_COLUMNS = [
    "fob_usd", "freight_usd", "duty_usd", "landed_usd", "x45_price_effect_usd", "net_usd",
    "fob_usd_per_kwh", "duty_usd_per_kwh", "landed_usd_per_kwh", "x45_price_effect_usd_per_kwh",
    "net_usd_per_kwh", "dc_adjusted_pct", "dc_threshold", "dc_passes", "macr", "macr_threshold",
    "macr_passes",
]


def compare_supply_options(
    energy_kwh: float,
    on_date: date | str,
    boc_date: date | str,
    *,
    names: Sequence[str] | None = None,
    steel_iron_us: bool = True,
    scenario: str | Scenario = "current-law",
    sale_year: int | None = None,
    pass_through: float = 0.0,
    macr_2029: float | None = None,
    extra_items: Sequence[EquipmentItem] = (),
) -> pd.DataFrame:
    """Compare supply options: landed cost, 45X pass-through, domestic content and MACR.

    Parameters
    ----------
    energy_kwh : float
        DC block energy [kWh].
    on_date : date or str
        Date of entry for duties.
    boc_date : date or str
        Beginning of construction (DC and MACR thresholds).
    names : sequence of str, optional
        Options to compare; default all.
    steel_iron_us : bool
        100 % US structural steel/iron (DC input).
    scenario : str or Scenario
        Tariff scenario.
    sale_year : int, optional
        45X sale year of the US-made components; default ``on_date``'s year.
    pass_through : float
        Share of 45X credits passed to the buyer [fraction].
    macr_2029 : float, optional
        DISPUTED 2029 component MACR threshold (not checked here: component MACR unknown).
    extra_items : sequence of EquipmentItem
        Lines added to every option (e.g. PCS, transformer) for DC/MACR and totals.

    Returns
    -------
    pandas.DataFrame
        Index = option; columns ``fob_usd``, ``freight_usd``, ``duty_usd``, ``landed_usd``,
        ``x45_price_effect_usd`` (negative = cheaper), ``net_usd`` [USD], the same per kWh
        (``*_per_kwh`` [USD/kWh]), ``dc_adjusted_pct``, ``dc_passes``, ``macr``, ``macr_passes``.
    """
    recs = []
    for name in names or list(list_supply_options()):
        rec = price_option(
            name, energy_kwh, on_date, boc_date, steel_iron_us=steel_iron_us,
            scenario=scenario, sale_year=sale_year, pass_through_45x=pass_through,
            macr_2029=macr_2029, extra_items=extra_items,
        ).summary
        recs.append({"option": name, **rec[_COMPARE_COLUMNS].to_dict()})
    return pd.DataFrame(recs).set_index("option")
