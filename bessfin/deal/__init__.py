"""A deal: its schema (the TOML file), its inputs to the pro forma, lender checks and the run.

* :mod:`~bessfin.deal.schema` - the validated deal file (:class:`Deal`, :func:`load_deal`,
  :func:`read_toml_file`);
* :mod:`~bessfin.deal.references` - names a deal refers to (ISO, node, years, products, supply
  option, tariff scenario) checked against what bessfin ships;
* :mod:`~bessfin.deal.inputs` - supply pricing, capex build-up, the one ITC assembly;
* :mod:`~bessfin.deal.checks` - lender checks with reasons;
* :mod:`~bessfin.deal.ladder` - revenue ladder: ceiling -> AS depth -> base case;
* :mod:`~bessfin.deal.run` - prices -> supply -> lifetime dispatch -> pro forma -> checks.
"""

from bessfin.deal.api import as_deal, deal_prices
from bessfin.deal.checks import (
    Check,
    Verdict,
    investment_verdict,
    lender_assessed,
    lender_checks,
    lender_verdict,
)
from bessfin.deal.inputs import (
    ItcTier,
    deal_capex,
    finance_inputs,
    itc_contradictions,
    itc_flags,
    itc_inputs,
    resolve_supply,
)
from bessfin.deal.ladder import Ladder, Rung, revenue_ladder
from bessfin.deal.references import check_references, reference_problems
from bessfin.deal.run import (
    DealResult,
    attach_ladder,
    deal_settlement,
    dispatch_deal,
    load_deal_forecasts,
    load_deal_prices,
    run_deal,
    value_deal,
)
from bessfin.deal.schema import (
    Deal,
    DealError,
    SupplySection,
    deal_from_dict,
    deal_schema,
    format_errors,
    load_deal,
    read_toml_file,
    resolve_paths,
    set_path,
)

__all__ = [
    "as_deal",
    "deal_prices",
    "Check",
    "Verdict",
    "Deal",
    "DealError",
    "DealResult",
    "ItcTier",
    "Ladder",
    "Rung",
    "SupplySection",
    "attach_ladder",
    "check_references",
    "deal_capex",
    "deal_from_dict",
    "deal_schema",
    "deal_settlement",
    "dispatch_deal",
    "finance_inputs",
    "format_errors",
    "itc_contradictions",
    "itc_flags",
    "itc_inputs",
    "investment_verdict",
    "lender_assessed",
    "lender_checks",
    "lender_verdict",
    "load_deal",
    "load_deal_forecasts",
    "load_deal_prices",
    "read_toml_file",
    "set_path",
    "reference_problems",
    "resolve_paths",
    "resolve_supply",
    "revenue_ladder",
    "run_deal",
    "value_deal",
]
