"""Supply-option parity: the same deal valued with each supply option, and break-evens.

A deal's dispatch does not depend on where its DC block comes from, so the deal is dispatched
once (:func:`bessfin.deal.dispatch_deal`) and each supply option is re-priced and re-valued on
that one :class:`~bessfin.dispatch.lifetime.LifetimeResult`:

* :func:`price_option` prices the DC block of an option: FOB + freight + duties (tariff scenario,
  or an explicit total duty rate on imported battery lines) - passed-through 45X, and runs the
  domestic-content and MACR tests.
* :func:`compare_options` gives one row per option (and ITC tier): landed cost, duty, 45X effect,
  net DC block price, capex, DC / MACR results, ITC rate with its reasons, IRRs, NPV and LCOS.
* :func:`breakeven_tariff` solves for the total import duty rate on the import option at which a
  metric equals the domestic option's; :func:`breakeven_cell_price` for the domestic cell price.
* :func:`parity_curves` / :func:`plot_parity_curves`: metric against duty rate for each option.

The import-duty knob
--------------------
``import_duty_rate`` (a fraction: 0.484 = 48.4 %) REPLACES the scenario's duty on every line with
``item == "battery"`` and a non-US origin: all duty layer columns of those lines are set to 0 and
``duty_override_usd = rate x FOB`` is charged instead, so that::

    landed = FOB x (1 + rate) + freight          (duty on FOB, as in bessfin.supply.landed)

Nothing is added on top of the scenario's duty, so there is no double count. Other items (PCS,
enclosures, ...) and US-made lines keep the scenario's duties (zero for US lines).

ITC tiers
---------
Each tier (:data:`ITC_TIERS`) sets fields of the deal's ``[itc]`` section (``model_copy``); the
rate itself always comes from :func:`bessfin.finance.itc_rate` with the option's own domestic
content percentage and MACR, so a tier's DC bonus is only earned by options that pass the DC test,
and an option that fails the MACR test gets a zero credit whatever the tier (BOC after 2025).

Units: rates and shares are fractions; money in nominal US$; ``*_usd_per_kwh`` per kWh of DC
block energy capacity; LCOS in $/MWh discharged.
"""

from bessfin.deal import ItcTier
from bessfin.studies.parity.breakeven import BreakEven, breakeven_cell_price, breakeven_tariff
from bessfin.studies.parity.catalog import ITC_TIERS, METRICS, Metric
from bessfin.studies.parity.compare import COLUMNS, compare_options, metric_value, value_option
from bessfin.studies.parity.curves import DEFAULT_RATES, parity_curves, plot_parity_curves
from bessfin.supply import CustomOption, price_option

__all__ = [
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
