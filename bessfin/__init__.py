"""bessfin: grid-scale battery dispatch, project finance and supply-chain parity.

The notebook face (see ``examples/tutorial.ipynb``)::

    import bessfin
    deal = bessfin.Deal.from_toml("examples/ercot_houston_2h_merchant.toml")
    result = bessfin.run(deal, mode="screening")         # a DealResult
    result.metrics, result.annual                         # tidy, names with units
    bessfin.compare([deal, deal.replace(**{"battery.energy_mwh": 400})])
    bessfin.screen(frame, base=deal)                      # a DataFrame, one row per deal
    bessfin.tornado(result)                               # screening delta; mode="full": lives

Lower floors (``bessfin.dispatch``, ``bessfin.finance``, ...) are documented in
docs/architecture.md.
"""

import importlib
import pkgutil
from typing import Any

# the function, as before (``bessfin.dispatch(prices, battery)``); every worker needs this
# package anyway
from bessfin.dispatch import dispatch

#: The rest of the notebook face, imported on first use (``import bessfin`` stays cheap, e.g.
#: for the price-year worker processes, which need only ``bessfin.dispatch``).
_FACE = {
    "Deal": "bessfin.deal", "DealError": "bessfin.deal", "DealResult": "bessfin.deal",
    "run": "bessfin.deal.api",
    "Battery": "bessfin.dispatch", "DispatchResult": "bessfin.dispatch",
    "Horizon": "bessfin.dispatch",
    "load_prices": "bessfin.io", "read_prices": "bessfin.io",
    "get_market": "bessfin.markets",
    "Comparison": "bessfin.studies", "compare": "bessfin.studies", "tornado": "bessfin.studies",
}
#: Subpackages and modules, reachable as attributes (``bessfin.io.read_prices``,
#: ``bessfin.screen(deals)``) as when this package imported them all.
_MODULES = {m.name for m in pkgutil.iter_modules(__path__)}


def __getattr__(name: str) -> Any:
    if name in _FACE:
        value = getattr(importlib.import_module(_FACE[name]), name)
        globals()[name] = value
        return value
    if name in _MODULES:
        return importlib.import_module(f"bessfin.{name}")
    raise AttributeError(f"module 'bessfin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | _MODULES)


def crosscheck(deal, **kwargs):
    """Cross-check a deal's finance against NREL SAM Single Owner: a
    :class:`bessfin.sam.CrosscheckResult` (``table``, ``agrees``). ``deal`` is a
    :class:`bessfin.deal.Deal`, a deal TOML path or a ``DealResult`` (its dispatch is reused);
    keywords go to :func:`bessfin.sam.crosscheck`. Needs ``pip install 'bessfin[sam]'``."""
    from bessfin.sam import crosscheck as _crosscheck

    return _crosscheck(deal, **kwargs)


__all__ = [
    "Battery",
    "Comparison",
    "Deal",
    "DealError",
    "DealResult",
    "DispatchResult",
    "Horizon",
    "backcast",
    "compare",
    "crosscheck",
    "dispatch",
    "get_market",
    "load_prices",
    "read_prices",
    "run",
    "screen",
    "tornado",
]
__version__ = "0.1.0"


def backcast(*, fast: bool = False) -> list[dict]:
    """Fleet backcast: a fleet-like battery's ceiling and base-case revenue against published
    fleet revenue per ISO and year (:func:`bessfin.studies.backcast`)."""
    from bessfin.studies.backcast import backcast as run

    return run(fast=fast)
