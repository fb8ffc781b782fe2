"""Project finance for grid-scale batteries: pro forma, §48E ITC, depreciation, debt, metrics.

All functions are pure; money is nominal US$, rates are fractions. See docs/finance.md.
"""

from bessfin.finance.contracts import contract_problems, contracted_mw
from bessfin.finance.conventions import CONVENTIONS, apply_conventions, convention_conflicts
from bessfin.finance.costs import capex_lines
from bessfin.finance.debt import DebtSchedule, annuity_factor, blended_target_dscr, size_debt
from bessfin.finance.depreciation import MACRS_HALF_YEAR, depreciable_basis, depreciation_schedule
from bessfin.finance.inputs import (
    AugmentationInputs,
    AugmentationPerKwh,
    CapacityContractInputs,
    CapexInputs,
    ContractInputs,
    DebtInputs,
    FinanceInputs,
    FloorInputs,
    ItcInputs,
    OpexInputs,
    TaxInputs,
    TollInputs,
)
from bessfin.finance.itc import (
    DEFAULT_POLICY,
    Itc48ePolicy,
    ItcOutcome,
    Step,
    itc_rate,
    load_policy,
    step_value,
)
from bessfin.finance.metric_catalogue import (
    METRIC_CATALOGUE,
    METRIC_SPECS,
    MetricSpec,
    lower_is_better,
    metric,
    rankable,
)
from bessfin.finance.metrics import IrrResult, irr, irr_result, lcos, llcr, npv, payback_year
from bessfin.finance.proforma import (
    Metrics,
    ProForma,
    build_pro_forma,
    itc_outcome,
    read_revenue,
)
from bessfin.finance.tax import income_tax, monetise_credit

__all__ = [
    "CONVENTIONS",
    "contract_problems",
    "contracted_mw",
    "step_value",
    "capex_lines",
    "itc_outcome",
    "DEFAULT_POLICY",
    "MACRS_HALF_YEAR",
    "METRIC_CATALOGUE",
    "METRIC_SPECS",
    "AugmentationInputs",
    "AugmentationPerKwh",
    "CapacityContractInputs",
    "CapexInputs",
    "ContractInputs",
    "DebtInputs",
    "DebtSchedule",
    "FinanceInputs",
    "FloorInputs",
    "IrrResult",
    "Itc48ePolicy",
    "ItcInputs",
    "ItcOutcome",
    "MetricSpec",
    "Metrics",
    "OpexInputs",
    "ProForma",
    "Step",
    "TaxInputs",
    "TollInputs",
    "annuity_factor",
    "apply_conventions",
    "blended_target_dscr",
    "build_pro_forma",
    "convention_conflicts",
    "depreciable_basis",
    "depreciation_schedule",
    "income_tax",
    "irr",
    "irr_result",
    "itc_rate",
    "lcos",
    "lower_is_better",
    "llcr",
    "load_policy",
    "metric",
    "monetise_credit",
    "npv",
    "payback_year",
    "rankable",
    "read_revenue",
    "size_debt",
]
