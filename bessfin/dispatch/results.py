"""Settlement of a schedule at actual prices, and the dispatch result object."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.horizons import Horizon, Schedule
from bessfin.dispatch.limits import AppliedLimit
from bessfin.dispatch.series import MarketSeries, interval_hours

#: Merchant streams settled at an energy price: the DA-only schedule (``energy``) and the
#: two-settlement's DA position and RT deviation; deployed AS energy ends in
#: ``_deployed_energy``. Every other stream but ``degradation`` is an ancillary capacity or
#: mileage payment.
ENERGY_STREAMS: tuple[str, ...] = ("energy", "da_energy", "rt_deviation")


def is_energy_stream(stream: str) -> bool:
    """True for a stream paid at an energy price [$/MWh] (scaled with energy prices)."""
    return stream in ENERGY_STREAMS or stream.endswith("_deployed_energy")


def is_ancillary_stream(stream: str) -> bool:
    """True for an ancillary capacity or mileage payment (scaled with AS prices)."""
    return stream != "degradation" and not is_energy_stream(stream)


def settle(schedule: Schedule, actual: MarketSeries, battery: Battery) -> pd.DataFrame:
    """Hourly revenue by stream [$] of a schedule settled at ``actual`` prices.

    Streams: ``energy`` (scheduled charge and discharge), ``<product>`` (capacity payment),
    ``<product>_mileage`` (pay-for-performance), ``<product>_deployed_energy`` (expected
    deployed energy at the energy price) and ``degradation`` (cost of discharged throughput,
    negative). Their sum equals the LP objective when decided on the same prices.
    """
    dt = actual.dt
    lam = actual.energy_price
    cols: dict[str, np.ndarray] = {"energy": dt * lam * (schedule.discharge - schedule.charge)}
    discharged = dt * schedule.discharge.copy()
    for k, ps in enumerate(actual.products):
        prod, award = ps.product, schedule.reserve[k]
        cols[prod.id] = dt * ps.capacity_price * award
        if prod.mileage is not None:
            cols[f"{prod.id}_mileage"] = (
                dt * prod.mileage.multiplier * prod.mileage.accuracy * ps.mileage_price * award
            )
        if prod.deployment_fraction > 0:
            sign = float(prod.needs_up) - float(prod.needs_down)  # symmetric: bought = sold
            cols[f"{prod.id}_deployed_energy"] = sign * dt * prod.deployment_fraction * lam * award
            if prod.needs_up:
                discharged += dt * prod.deployment_fraction * award
    cols["degradation"] = -battery.degradation_cost * discharged
    return pd.DataFrame(cols, index=actual.index)


@dataclass(repr=False)
class DispatchResult:
    """Outcome of :func:`bessfin.dispatch`.

    Attributes
    ----------
    schedule : hourly frame indexed by UTC interval start: ``charge_mw``, ``discharge_mw``
        [MW], ``soc_mwh`` [MWh, end of interval], ``<product>_mw`` awards [MW],
        ``energy_price`` [$/MWh] (actual).
    revenue : hourly revenue by stream [$] (see :func:`settle`).
    battery, horizon : inputs.
    market, node : where it ran.
    summary : headline numbers (see :meth:`summary_dict`).
    as_limits : the award limit of each product in each calendar year of the horizon (MW,
        fraction of power, default/user/uncapped and its basis).
    notes : how data and horizons were handled (dropped days, forecast warm-up, ...).
    """

    schedule: pd.DataFrame
    revenue: pd.DataFrame
    battery: Battery
    horizon: Horizon
    market: str
    node: str
    timezone: str
    windows: int
    models_built: int
    build_seconds: float
    solve_seconds: float
    deployed_mwh: float = 0.0
    perfect_foresight_revenue: float | None = None
    as_limits: list[AppliedLimit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def as_limits_mw(self) -> dict[str, float | None]:
        """Largest award limit of each product over the horizon [MW]; ``None`` = uncapped."""
        out: dict[str, float | None] = {}
        for a in self.as_limits:
            if a.mw is None:
                out[a.product] = None
            elif out.get(a.product, 0.0) is not None:
                out[a.product] = max(out.get(a.product) or 0.0, a.mw)
        return out

    @property
    def total_revenue(self) -> float:
        """Net revenue over the horizon [$]."""
        return float(self.revenue.to_numpy().sum())

    @property
    def revenue_by_stream(self) -> pd.Series:
        """Revenue per stream over the horizon [$]."""
        return self.revenue.sum()

    @property
    def monthly_revenue(self) -> pd.DataFrame:
        """Revenue per local calendar month and stream [$]."""
        local = self.revenue.index.tz_convert(self.timezone).tz_localize(None)
        return self.revenue.groupby(local.to_period("M")).sum()

    @property
    def discharged_mwh(self) -> float:
        """Discharged energy [MWh]: scheduled plus expected deployed up-regulation energy
        (what the LP's cycle limits count)."""
        return float(self.schedule["discharge_mw"].sum()) * self.interval_hours + self.deployed_mwh

    @property
    def interval_hours(self) -> float:
        """Interval length of the schedule [h] (1 for hourly data)."""
        return interval_hours(pd.DatetimeIndex(self.schedule.index))

    @property
    def cycles(self) -> float:
        """Equivalent full cycles: discharged energy / nameplate energy [-]."""
        return self.discharged_mwh / self.battery.energy_mwh

    @property
    def capture_ratio(self) -> float | None:
        """Revenue / perfect-foresight revenue on the same actual prices [-]."""
        if self.perfect_foresight_revenue is None or self.perfect_foresight_revenue <= 0:
            return None
        return self.total_revenue / self.perfect_foresight_revenue

    @property
    def metrics(self) -> pd.Series:
        """Headline numbers named as in a deal's results (``revenue_total_usd``,
        ``revenue_usd_per_kw_yr``, ``discharged_mwh``, ``cycles``, ``capture_ratio`` [-])
        plus one ``revenue_merchant_<stream>_usd`` per stream (the names of
        ``DealResult.annual``)."""
        s = self.summary_dict()
        keys = ("revenue_total_usd", "revenue_usd_per_kw_yr", "discharged_mwh", "cycles",
                "capture_ratio")
        out = {k: s[k] for k in keys}
        out.update({f"revenue_merchant_{k}_usd": v
                    for k, v in s["revenue_by_stream_usd"].items()})
        return pd.Series(out, name=f"{self.market} {self.node}", dtype=float)

    def __repr__(self) -> str:
        s = self.summary_dict()
        return (f"DispatchResult({s['market']} {s['node']}, {s['start'][:10]}..{s['end'][:10]}, "
                f"{s['power_mw']:g} MW / {s['energy_mwh']:g} MWh, {s['horizon']}: "
                f"revenue ${s['revenue_total_usd'] / 1e6:,.3f}M "
                f"({s['revenue_usd_per_kw_yr']:,.1f} $/kW-yr), {s['cycles']:,.1f} cycles)")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><th style='text-align:left'>{k}</th><td>{v:,.4g}</td></tr>"
                       for k, v in self.metrics.items() if np.isfinite(v))
        return f"<table><caption>{self!r}</caption>{rows}</table>"

    def summary_dict(self) -> dict:
        """Headline numbers, JSON-serialisable."""
        hours = len(self.schedule) * self.interval_hours
        kw = self.battery.power_mw * 1000.0
        return {
            "market": self.market,
            "node": self.node,
            "start": self.schedule.index[0].isoformat(),
            "end": self.schedule.index[-1].isoformat(),
            "hours": int(hours) if float(hours).is_integer() else round(hours, 4),
            "interval_minutes": round(self.interval_hours * 60.0, 4),
            "horizon": self.horizon.label,
            "power_mw": self.battery.power_mw,
            "energy_mwh": self.battery.energy_mwh,
            "revenue_total_usd": round(self.total_revenue, 2),
            "revenue_usd_per_kw_yr": round(self.total_revenue / kw * 8760.0 / hours, 3),
            "revenue_by_stream_usd": {k: round(float(v), 2)
                                      for k, v in self.revenue_by_stream.items()},
            "discharged_mwh": round(self.discharged_mwh, 3),
            "cycles": round(self.cycles, 3),
            "perfect_foresight_revenue_usd": (
                None if self.perfect_foresight_revenue is None
                else round(self.perfect_foresight_revenue, 2)
            ),
            "capture_ratio": None if self.capture_ratio is None else round(self.capture_ratio, 4),
            "as_limits_mw": {k: None if v is None else round(v, 6)
                             for k, v in self.as_limits_mw.items()},
            "as_limits": [a.as_dict() for a in self.as_limits],
            "windows": self.windows,
            "models_built": self.models_built,
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "notes": self.notes,
        }

    def to_json(self, **kwargs) -> str:
        """Summary plus monthly revenue as JSON."""
        monthly = self.monthly_revenue
        data = self.summary_dict()
        data["monthly_revenue_usd"] = {
            str(period): {k: round(float(v), 2) for k, v in row.items()}
            for period, row in monthly.iterrows()
        }
        return json.dumps(data, **kwargs)
