"""Studies over deals: supply-option parity and break-evens, sensitivity (tornado, P50/P90).

Each study re-runs only what changes on a deal's cached lifetime dispatch
(:func:`bessfin.deal.dispatch_deal`, :func:`bessfin.deal.value_deal`).
"""

from bessfin.studies.comparison import (
    Comparison,
    assumption_differences,
    at_discount_rate,
    attribution,
    compare,
    json_safe,
    normalised,
)
from bessfin.studies.parity import (
    CELL_PAIRINGS,
    COLUMNS,
    CSIS_QUOTE,
    CSIS_SOURCE,
    DEFAULT_RATES,
    ITC_TIERS,
    METRICS,
    BreakEven,
    CellClaim,
    CellPrice,
    CustomOption,
    ItcTier,
    Metric,
    breakeven_cell_price,
    breakeven_tariff,
    cash_factor,
    cell_claim_table,
    compare_options,
    evaluate_cell_claim,
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
<<<<<<< HEAD
    "CELL_PAIRINGS",
    "CSIS_QUOTE",
    "CSIS_SOURCE",
    "CellClaim",
    "CellPrice",
    "cash_factor",
    "cell_claim_table",
    "evaluate_cell_claim",
=======
    "Comparison",
    "assumption_differences",
    "at_discount_rate",
    "attribution",
    "compare",
    "json_safe",
    "normalised",
>>>>>>> 5eab10f (bessfin.deal.api.run (deal from file/dict/Deal, own prices: PriceData, gridstatus or simple frame, file); DealResult/DispatchResult short repr, _repr_html_, tidy metrics and annual frames named with units; studies/comparison: differing assumptions, normalised views, attribution by sequential substitution, compare at one discount rate)
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
    "breakeven_cell_price",
    "breakeven_tariff",
    "compare_options",
    "metric_value",
    "p_values",
    "parity_curves",
    "plot_parity_curves",
    "price_option",
    "price_year_distribution",
    "tornado",
    "value_option",
]
