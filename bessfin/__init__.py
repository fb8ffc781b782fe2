"""bessfin: grid-scale battery dispatch, project finance and supply-chain parity."""

from bessfin.dispatch import Battery, DispatchResult, Horizon, dispatch
from bessfin.io import load_prices
from bessfin.markets import get_market

__all__ = ["Battery", "DispatchResult", "Horizon", "dispatch", "get_market", "load_prices"]
__version__ = "0.1.0"
