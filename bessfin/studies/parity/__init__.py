"""Supply-option parity: the same deal valued with each supply option, and break-evens.

A deal's dispatch does not depend on where its DC block comes from, so the deal is dispatched
once (:func:`bessfin.deal.dispatch_deal`) and each supply option is re-priced and re-valued on
that one :class:`~bessfin.dispatch.LifetimeResult`:

* :func:`price_option` (:mod:`bessfin.supply.pricing`, re-exported here) prices the DC block
  of an option: FOB + freight + duties (tariff scenario, or an explicit total duty rate on
  imported battery lines) - passed-through 45X, and runs the domestic-content and MACR tests.
* :func:`compare_options` gives one row per option (and ITC tier): landed cost, duty, 45X effect,
  net DC block price, capex, DC / MACR results, ITC rate with its reasons, IRRs, NPV and LCOS.
* :func:`breakeven_tariff` solves for the total import duty rate on the import option at which a
  metric equals the domestic option's; :func:`breakeven_cell_price` for the domestic cell price.
* :func:`parity_curves` / :func:`plot_parity_curves`: metric against duty rate for each option.
* :func:`evaluate_cell_claim` / :func:`cell_claim_table`: the CSIS cell-level claim as quoted,
  at sourced cell prices, with the ITC at nominal and cash value (no deal needed).

The import-duty knob
--------------------
``import_duty_rate`` replaces the scenario's duty on imported battery lines; it is applied by the
one supply pricer, :func:`bessfin.supply.price_option` (see ``bessfin/supply/pricing.py``).

ITC tiers
---------
Each tier (:data:`ITC_TIERS`) sets fields of the deal's ``[itc]`` section through the one ITC
assembly, :func:`bessfin.deal.itc_inputs` (its docstring gives the precedence); the rate itself
always comes from :func:`bessfin.finance.itc_rate` with the option's own domestic content
percentage and MACR, so a tier's DC bonus is only earned by options that pass the DC test, and an
option that fails the MACR test gets a zero credit whatever the tier (BOC after 2025).

Units: rates and shares are fractions; money in nominal US$; ``*_usd_per_kwh`` per kWh of DC
block energy capacity; LCOS in $/MWh discharged.
"""

from bessfin.deal import ItcTier
from bessfin.studies.parity.breakeven import BreakEven, breakeven_cell_price, breakeven_tariff
from bessfin.studies.parity.catalog import ITC_TIERS, METRICS, Metric
from bessfin.studies.parity.cell_claim import (
    CELL_PAIRINGS,
    CSIS_QUOTE,
    CSIS_SOURCE,
    CellClaim,
    CellPrice,
    cash_factor,
    cell_claim_table,
    evaluate_cell_claim,
)
from bessfin.studies.parity.compare import COLUMNS, compare_options, metric_value, value_option
from bessfin.studies.parity.curves import DEFAULT_RATES, parity_curves, plot_parity_curves
from bessfin.supply import CustomOption, price_option

__all__ = [
    "CELL_PAIRINGS",
    "CSIS_QUOTE",
    "CSIS_SOURCE",
    "CellClaim",
    "CellPrice",
    "cash_factor",
    "cell_claim_table",
    "evaluate_cell_claim",
    "COLUMNS",
    "DEFAULT_RATES",
    "ITC_TIERS",
    "METRICS",
    "BreakEven",
    "CustomOption",
    "ItcTier",
    "Metric",
    "breakeven_cell_price",
    "breakeven_tariff",
    "compare_options",
    "metric_value",
    "parity_curves",
    "plot_parity_curves",
    "price_option",
    "value_option",
]
