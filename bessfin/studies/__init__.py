"""Studies over deals: supply-option parity and break-evens, sensitivity (tornado, P50/P90).

Each study re-runs only what changes on a deal's cached lifetime dispatch
(:func:`bessfin.deal.dispatch_deal`, :func:`bessfin.deal.value_deal`).
"""

from bessfin.studies.backcast import BACKCAST_KEYS, backcast, fleet_battery
from bessfin.studies.parity import (
    COLUMNS,
    DEFAULT_RATES,
    ITC_TIERS,
    METRICS,
    BreakEven,
    CustomOption,
    ItcTier,
    Metric,
    breakeven_cell_price,
    breakeven_tariff,
    compare_options,
    metric_value,
    parity_curves,
    plot_parity_curves,
    price_option,
    value_option,
)
from bessfin.studies.sensitivity import (
    DEFAULT_METRIC,
    LEVERS,
    Lever,
    p_values,
    price_year_distribution,
    tornado,
)

__all__ = [
    "BACKCAST_KEYS",
    "COLUMNS",
    "DEFAULT_METRIC",
    "DEFAULT_RATES",
    "ITC_TIERS",
    "LEVERS",
    "METRICS",
    "BreakEven",
    "CustomOption",
    "ItcTier",
    "Lever",
    "Metric",
    "backcast",
    "breakeven_cell_price",
    "breakeven_tariff",
    "compare_options",
    "fleet_battery",
    "metric_value",
    "p_values",
    "parity_curves",
    "plot_parity_curves",
    "price_option",
    "price_year_distribution",
    "tornado",
    "value_option",
]
