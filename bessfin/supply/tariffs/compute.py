"""Duty on one item from one origin on one date: :func:`duty` and the rate matrix
:func:`duty_rates`. All rates are fractions of customs value (0.109 = 10.9 %)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from bessfin.supply.tariffs.catalog import normalize_item, normalize_origin, valid_origins
from bessfin.supply.tariffs.common import to_date
from bessfin.supply.tariffs.results import DutyResult
from bessfin.supply.tariffs.scenarios import Scenario, _resolve_scenario, _scenario_file
from bessfin.supply.tariffs.schedule import table_start
from bessfin.supply.tariffs.stacking import applicable_rows, layer_charges, metal_share


def _share(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")
    return float(value)


def _date_notes(day: date, sc: Scenario) -> list[str]:
    """Warning when ``day`` lies past the last sourced tariff fact."""
    meta = _scenario_file()["meta"]
    if day >= meta["uncertain_after"]:
        return [
            f"{day} is on/after {meta['uncertain_after']}: no sourced tariff facts after that "
            f"date (facts as of {meta['facts_as_of']}); result reflects scenario '{sc.name}'."
        ]
    return []


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
    notes = _date_notes(day, sc)
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
    rows = applicable_rows(it, org, day, sc)
    metal = metal_share(rows, shares, it, org, day)
    charges = layer_charges(rows, shares, metal, org, sc)
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
