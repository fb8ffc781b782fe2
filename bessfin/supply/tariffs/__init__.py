"""US import duty schedule for BESS equipment, read from shipped data.

The schedule is data, not code (files shipped in ``bessfin/supply/``):

* ``tariff_layers.csv``: one row per duty layer (item, origin, layer, rate, dates, status, source).
* ``tariff_items.toml``: item and origin names, aliases and origin groups.
* ``tariff_scenarios.toml``: named scenarios (tags and parameters) for everything the fact sheet
  leaves open, with a status and rationale for every parameter.
* ``tariff_stacking.toml``: how layers interact (Section 232 content shares, layers that do not
  stack on the Section 232 portion, MFN-inclusive reciprocal rates, exemptions).

Modules, each one job: ``common`` (file reading, layer keys, dates), ``catalog`` (items and
origins), ``scenarios``, ``schedule`` (layer rows and the table), ``results`` (typed outcome),
``stacking`` (how layers combine) and ``compute`` (:func:`duty`, :func:`duty_rates`).

All rates returned by this package are fractions of customs value (0.109 = 10.9 %).
"""

from __future__ import annotations

from bessfin.supply.tariffs.catalog import (
    normalize_item,
    normalize_origin,
    valid_items,
    valid_origins,
)
from bessfin.supply.tariffs.common import LAYERS, to_date
from bessfin.supply.tariffs.compute import duty, duty_rates
from bessfin.supply.tariffs.results import DutyResult, LayerCharge
from bessfin.supply.tariffs.scenarios import (
    Scenario,
    get_scenario,
    list_scenarios,
    scenario_params,
)
from bessfin.supply.tariffs.schedule import table_start, tariff_table

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
