"""The screening worker: one deal spec in, one flat result row out.

Functions here live at module level so they pickle to process-pool and Dask workers. Each
worker process keeps three caches in module globals, filled on first use and kept for the
life of the process:

* prices by ``(iso, year, node, market, on_missing)``, loaded from the shipped files once;
* built dispatch models by LP structure (the ``cache`` of :func:`bessfin.deal.dispatch_deal`),
  so a deal of the same shape updates parameters and re-solves instead of rebuilding;
* lifetime dispatch results by :func:`bessfin.screen.spec.dispatch_key`, so deals that differ
  only in finance, ITC, supply or tariff inputs do not re-dispatch.

Built models never leave the process; only specs and result rows cross process boundaries.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import time
from collections import OrderedDict
from typing import Any

from bessfin.deal import (
    Deal,
    DealError,
    DealResult,
    deal_from_dict,
    dispatch_deal,
    itc_contradictions,
    load_deal_prices,
    resolve_supply,
    value_deal,
)
from bessfin.dispatch import LifetimeResult
from bessfin.io import PriceData, load_prices
from bessfin.screen.spec import DealSpec

#: Lifetime results kept per worker (LRU); a batch shares one dispatch key, so few are needed.
MAX_LIFETIMES = 16
#: Built models kept per worker; the cache is cleared when it grows past this.
MAX_MODELS = 8

_PRICES: dict[tuple[str, int, str, str, str], PriceData] = {}
_MODELS: dict = {}
_LIFETIMES: OrderedDict[str, LifetimeResult] = OrderedDict()
_CONFIG: dict[str, Any] = {"threads": 1}

#: Metrics copied from :meth:`bessfin.deal.DealResult.summary_dict` into the row.
METRICS: tuple[str, ...] = (
    "deal", "market", "power_mw", "energy_mwh", "life_years", "capex_usd", "itc_rate",
    "project_irr_pre_tax", "project_irr_after_tax", "equity_irr_after_tax",
    "project_npv_after_tax_usd", "min_dscr", "avg_dscr", "llcr", "debt_usd",
    "lcos_usd_per_mwh", "lcos_with_credits_usd_per_mwh", "project_payback_year",
    "year1_revenue_usd", "year1_merchant_usd_per_kw_yr", "avg_cycles_per_year",
    "supply_option", "dc_block_usd_per_kwh", "investment_verdict", "lender_verdict", "passed",
    "checks_failed", "dispatch_mode",
    "macr_status", "itc_override", "annualised_price_years",
)
#: Run bookkeeping added to every row.
TIMINGS: tuple[str, ...] = (
    "seconds", "cpu_seconds", "dispatch_reused", "dispatch_seconds", "build_seconds",
    "solve_seconds", "finance_seconds", "worker",
)


def init_worker(threads: int = 1) -> None:
    """Process-pool initializer: HiGHS threads per solve (1 when workers run in parallel)."""
    _CONFIG["threads"] = threads


def settle_imports() -> None:
    """Exempt every object alive now from the cyclic garbage collector (``gc.freeze``).

    Called once a worker process has imported bessfin: the modules, classes and functions
    (~130k objects; ~160k in a Dask worker) live as long as the process, and a full collection
    then traverses only what the deals create (one took 43 ms in a Dask worker, measured
    2026-12-02). Frozen objects are still freed by reference counting."""
    gc.freeze()


def dask_setup(worker: Any) -> None:
    """Dask's preload hook: local clusters preload this module as their workers start
    (:class:`bessfin.screen.backends.DaskBackend`), which calls this once imported."""
    settle_imports()


def clear_caches() -> None:
    """Forget cached prices, models and dispatch results of this process."""
    _PRICES.clear()
    _MODELS.clear()
    _LIFETIMES.clear()


def cache_sizes() -> dict[str, int]:
    """Entries in each per-process cache (for tests and diagnostics)."""
    return {"prices": len(_PRICES), "models": len(_MODELS), "lifetimes": len(_LIFETIMES)}


def worker_prices(deal: Deal) -> dict[int, PriceData]:
    """The deal's price years from this process's price cache, loading what is missing."""
    m = deal.market
    if m.price_file is not None:  # the deal's own file, read once per process
        k = (m.price_file, m.as_price_files, m.reserve_zone, m.price_format, m.price_column,
             m.iso.lower(),
             m.node.upper(),
             m.on_missing, tuple(sorted(set(m.price_years))))
        if k not in _PRICES:
            _PRICES[k] = load_deal_prices(deal)
        return _PRICES[k]
    out = {}
    for year in sorted(set(m.price_years)):
        k = (m.iso.lower(), year, m.node.upper(), m.market, m.on_missing)
        if k not in _PRICES:
            _PRICES[k] = load_prices(m.iso, year, m.node, market=m.market,
                                     on_missing=m.on_missing)
        out[year] = _PRICES[k]
    return out


def lifetime_for(deal: Deal, spec: DealSpec, threads: int) -> tuple[LifetimeResult, bool]:
    """Lifetime dispatch of ``deal``, from the memo when another deal already ran it.

    Returns the result and whether it was reused.
    """
    memo_key = spec.dispatch_key
    if memo_key and memo_key in _LIFETIMES:
        _LIFETIMES.move_to_end(memo_key)
        return _LIFETIMES[memo_key], True
    if len(_MODELS) > MAX_MODELS:
        _MODELS.clear()
    lifetime = dispatch_deal(deal, prices=worker_prices(deal), mode=spec.mode,  # type: ignore[arg-type]
                             cache=_MODELS, threads=threads)
    if memo_key:
        _LIFETIMES[memo_key] = lifetime
        while len(_LIFETIMES) > MAX_LIFETIMES:
            _LIFETIMES.popitem(last=False)
    return lifetime, False


def _num(x: Any) -> Any:
    """JSON-safe scalar: NaN and infinities become None."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def flatten_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The row's metric columns from a deal summary (failed checks joined by ``"; "``)."""
    failed = [c["name"] for c in summary.get("checks", []) if not c["passed"]]
    flat = {k: _num(summary.get(k)) for k in METRICS if k not in _TEXT}
    flat["checks_failed"] = "; ".join(failed)
    override = summary.get("itc_override")
    flat["itc_override"] = ("" if not override else
                            f"{override['reason']} ({'; '.join(override['differences'])})")
    flat["annualised_price_years"] = "; ".join(
        f"{c['year']}: {c['hours_used']} of {c['hours_in_year']} h, {c['days_dropped']} days "
        f"dropped, x{c['annualisation_factor']:.4g}"
        for c in summary.get("price_year_coverage", []) if not c["complete"])
    return flat


#: Row columns flattened to text from a summary's lists and dicts.
_TEXT = ("checks_failed", "itc_override", "annualised_price_years")


def _one_line(e: BaseException) -> str:
    text = " | ".join(line.strip() for line in str(e).splitlines() if line.strip())
    return f"{type(e).__name__}: {text}" if not isinstance(e, DealError) else text


def screen_one(spec: DealSpec, threads: int | None = None) -> dict[str, Any]:
    """Run one deal spec and return its flat result row.

    The row holds ``key``, ``id``, ``status`` (``"ok"``, ``"invalid"`` or ``"error"``),
    ``message``, the metrics of :data:`METRICS` and the timings of :data:`TIMINGS`. No
    exception escapes for a bad deal: validation problems give ``"invalid"``, anything raised
    while running (missing prices, infeasible LP, ...) gives ``"error"`` with its message.
    """
    threads = _CONFIG["threads"] if threads is None else threads
    t0, c0 = time.perf_counter(), time.process_time()
    row: dict[str, Any] = {"key": spec.key, "id": spec.id, "status": "ok", "message": "",
                           "worker": f"{socket.gethostname()}:{os.getpid()}"}
    if spec.error is not None:
        row.update(status="invalid", message=spec.error)
    else:
        try:
            deal = deal_from_dict(spec.deal, source=spec.id)
            supply = resolve_supply(deal)
            itc_contradictions(deal, supply)  # refuse before the dispatch, not after
            t1 = time.perf_counter()
            lifetime, reused = lifetime_for(deal, spec, threads)
            t2 = time.perf_counter()
            pro_forma, checks = value_deal(deal, lifetime, supply)
            result = DealResult(deal=deal, lifetime=lifetime, pro_forma=pro_forma,
                                supply=supply, checks=checks)
            row.update(flatten_summary(result.summary_dict()))
            row.update(
                dispatch_reused=reused,
                dispatch_seconds=round(t2 - t1, 4),
                build_seconds=0.0 if reused else round(lifetime.build_seconds, 4),
                solve_seconds=0.0 if reused else round(lifetime.solve_seconds, 4),
                finance_seconds=round(time.perf_counter() - t2, 4),
            )
        except DealError as e:
            row.update(status="invalid", message=_one_line(e))
        except Exception as e:  # a failing deal must never stop the screen
            row.update(status="error", message=_one_line(e))
    row["seconds"] = round(time.perf_counter() - t0, 4)
    row["cpu_seconds"] = round(time.process_time() - c0, 4)
    return row


def screen_batch(specs: list[DealSpec], threads: int | None = None) -> list[dict[str, Any]]:
    """Run a batch of specs (normally sharing one dispatch key) in this process."""
    return [screen_one(s, threads) for s in specs]
