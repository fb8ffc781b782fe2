"""bessfin: grid-scale battery dispatch, project finance and supply-chain parity."""

from bessfin.dispatch import Battery, DispatchResult, Horizon, dispatch
from bessfin.io import load_prices
from bessfin.markets import get_market

__all__ = ["Battery", "DispatchResult", "Horizon", "backcast", "dispatch", "get_market",
           "load_prices"]
__version__ = "0.1.0"


def backcast(*, fast: bool = False) -> list[dict]:
    """Fleet backcast: a fleet-like battery's ceiling and base-case revenue against published
    fleet revenue per ISO and year (:func:`bessfin.studies.backcast`)."""
    from bessfin.studies.backcast import backcast as run

    return run(fast=fast)
