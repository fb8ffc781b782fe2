"""bessfin: grid-scale battery dispatch, project finance and supply-chain parity."""

from bessfin.dispatch import Battery, DispatchResult, Horizon, dispatch
from bessfin.io import load_prices
from bessfin.markets import get_market


def crosscheck(deal, **kwargs):
    """Cross-check a deal's finance against NREL SAM Single Owner: a
    :class:`bessfin.sam.CrosscheckResult` (``table``, ``agrees``). ``deal`` is a
    :class:`bessfin.deal.Deal`, a deal TOML path or a ``DealResult`` (its dispatch is reused);
    keywords go to :func:`bessfin.sam.crosscheck`. Needs ``pip install 'bessfin[sam]'``."""
    from bessfin.sam import crosscheck as _crosscheck

    return _crosscheck(deal, **kwargs)


__all__ = ["Battery", "DispatchResult", "Horizon", "backcast", "crosscheck", "dispatch",
           "get_market",
           "load_prices"]
__version__ = "0.1.0"


def backcast(*, fast: bool = False) -> list[dict]:
    """Fleet backcast: a fleet-like battery's ceiling and base-case revenue against published
    fleet revenue per ISO and year (:func:`bessfin.studies.backcast`)."""
    from bessfin.studies.backcast import backcast as run

    return run(fast=fast)
