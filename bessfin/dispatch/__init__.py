"""Battery dispatch: a Pyomo LP co-optimising energy and ancillary services, solved by HiGHS."""

from bessfin.dispatch.api import dispatch, series_from
from bessfin.dispatch.battery import Battery
from bessfin.dispatch.horizons import (
    NAMED_HORIZONS,
    PERFECT,
    ROLLING_DAY,
    Horizon,
    named_horizon,
    run_horizon,
)
from bessfin.dispatch.lifetime import (
    DA_ONLY,
    SCREENING_ANCHOR_STEP,
    SCREENING_LOW_CAPACITY,
    Augmentation,
    Degradation,
    ForwardCurve,
    LifetimeResult,
    PartialYearError,
    PricePath,
    YearSettlement,
    lifetime_dispatch,
    price_coverage,
)
from bessfin.dispatch.limits import (
    DEFAULT as DEFAULT_LIMITS,
)
from bessfin.dispatch.limits import (
    AppliedLimit,
    AsLimits,
    Cap,
    LimitError,
    apply_as_limits,
    check_products,
    normalise,
)
from bessfin.dispatch.pool import PriceYearWorkerLost, price_year_workers
from bessfin.dispatch.results import DispatchResult, settle
from bessfin.dispatch.series import MarketSeries, ProductSeries, market_series
from bessfin.dispatch.solver import CompiledModel, SolverError, SolveStatus
from bessfin.dispatch.two_settlement import (
    RealTimeSettlement,
    TwoSettlementResult,
    two_settlement,
)

__all__ = [
    "DA_ONLY",
    "RealTimeSettlement",
    "TwoSettlementResult",
    "YearSettlement",
    "two_settlement",
    "DEFAULT_LIMITS",
    "LimitError",
    "check_products",
    "normalise",
    "NAMED_HORIZONS",
    "SCREENING_ANCHOR_STEP",
    "SCREENING_LOW_CAPACITY",
    "Augmentation",
    "Degradation",
    "ForwardCurve",
    "LifetimeResult",
    "PricePath",
    "lifetime_dispatch",
    "price_year_workers",
    "PriceYearWorkerLost",
    "PartialYearError",
    "price_coverage",
    "named_horizon",
    "PERFECT",
    "ROLLING_DAY",
    "AppliedLimit",
    "AsLimits",
    "Cap",
    "Battery",
    "CompiledModel",
    "DispatchResult",
    "Horizon",
    "MarketSeries",
    "ProductSeries",
    "SolveStatus",
    "SolverError",
    "apply_as_limits",
    "dispatch",
    "market_series",
    "run_horizon",
    "series_from",
    "settle",
]
