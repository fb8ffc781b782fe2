"""Supply-chain layer: import duties, 45X, domestic content / MACR, landed cost, supply options.

Data files shipped in this package (read with importlib.resources):

* ``tariff_layers.csv`` - dated, sourced duty layers (one row per layer)
* ``tariff_items.toml`` - items, origins, aliases, origin groups
* ``tariff_scenarios.toml`` - named scenarios and their parameters (status + rationale each)
* ``tariff_stacking.toml`` - stacking rules between layers
* ``credits45x.toml`` - 45X rates, phase-down, component MACR thresholds
* ``sourcing.toml`` - the pre-June-2025 contract carve-out (DC and MACR thresholds are read
  from the one §48E table, ``bessfin/common/itc_48e.toml``)
* ``supply_options.toml`` - named supply cases with policy_facts.md section 4 sources

Rates and shares in the Python API are fractions (0.109 = 10.9 %).
"""

from bessfin.supply.credits45x import (
    Credit45XResult,
    credit_45x,
    macr_threshold_45x,
    phase_down_45x,
    price_effect_45x,
    valid_components_45x,
)
from bessfin.supply.landed import (
    DUTY_LAYER_COLUMNS,
    LANDED_COLUMNS,
    EquipmentItem,
    landed_cost,
    landed_cost_with_layers,
)
from bessfin.supply.options import (
    cost_record,
    list_supply_options,
    supply_option,
    supply_option_lines,
)
from bessfin.supply.pricing import (
    CustomOption,
    OptionLike,
    SupplyOutcome,
    compare_supply_options,
    option_line_specs,
    option_name,
    price_option,
)
from bessfin.supply.sourcing import (
    SourcingResult,
    assess_sourcing,
    dc_adjusted_pct,
    dc_threshold,
    macr,
    macr_threshold_est,
)
from bessfin.supply.tariffs import (
    LAYERS,
    DutyResult,
    LayerCharge,
    Scenario,
    duty,
    duty_rates,
    get_scenario,
    list_scenarios,
    normalize_item,
    normalize_origin,
    scenario_params,
    table_start,
    tariff_table,
    to_date,
    valid_items,
    valid_origins,
)

__all__ = [
    "LANDED_COLUMNS",
    "LAYERS",
    "Credit45XResult",
    "DutyResult",
    "EquipmentItem",
    "LayerCharge",
    "Scenario",
    "SourcingResult",
    "assess_sourcing",
    "compare_supply_options",
    "price_option",
    "SupplyOutcome",
    "CustomOption",
    "OptionLike",
    "option_line_specs",
    "option_name",
    "cost_record",
    "landed_cost_with_layers",
    "DUTY_LAYER_COLUMNS",
    "credit_45x",
    "dc_adjusted_pct",
    "dc_threshold",
    "duty",
    "duty_rates",
    "get_scenario",
    "landed_cost",
    "list_scenarios",
    "list_supply_options",
    "macr",
    "macr_threshold_45x",
    "macr_threshold_est",
    "normalize_item",
    "normalize_origin",
    "phase_down_45x",
    "price_effect_45x",
    "scenario_params",
    "supply_option",
    "supply_option_lines",
    "table_start",
    "tariff_table",
    "to_date",
    "valid_components_45x",
    "valid_items",
    "valid_origins",
]
