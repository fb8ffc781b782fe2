"""The numbers of the dispatch LP: one place that turns prices and a battery into coefficients.

Everything that changes from one solve to the next of a model with the same structure is
computed here and nowhere else; :mod:`bessfin.dispatch.model` declares these as mutable
Pyomo parameters and :mod:`bessfin.dispatch.solver` pushes the same arrays into HiGHS.
Equations and units: ``docs/dispatch.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.series import MarketSeries

HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class Structure:
    """What fixes the LP's sparsity pattern: models are built once per distinct structure."""

    n: int
    dt: float
    products: tuple[tuple[str, str, float], ...]  # (id, direction, deployment fraction)
    duration_h: tuple[bytes, ...]  # per product, hourly sustain durations [h] (raw bytes)
    day_starts: tuple[int, ...]  # position of the first interval of each local day
    eta_charge: float
    eta_discharge: float
    retention: float  # 1 - self-discharge per interval [-]
    daily_cycle_limit: bool
    horizon_cycle_limit: bool
    #: positions t whose awards equal those of t-1 (sub-hourly data: an award is held for its
    #: clock hour); int64 bytes, empty for hourly data
    award_hold: bytes = b""

    @property
    def up(self) -> list[int]:
        """Products holding discharge headroom and stored energy ('up', 'symmetric')."""
        return [i for i, p in enumerate(self.products) if p[1] in ("up", "symmetric")]

    @property
    def down(self) -> list[int]:
        """Products holding charge headroom and empty storage ('down', 'symmetric')."""
        return [i for i, p in enumerate(self.products) if p[1] in ("down", "symmetric")]

    def durations(self, k: int) -> np.ndarray:
        return np.frombuffer(self.duration_h[k], dtype=float)

    @property
    def held(self) -> np.ndarray:
        """Positions whose awards are held from the previous interval."""
        return np.frombuffer(self.award_hold, dtype=np.int64)


@dataclass(frozen=True)
class Coefficients:
    """Values of the LP's mutable parameters for one solve.

    Attributes
    ----------
    charge_value, discharge_value : objective value of 1 MW charged / discharged in each
        interval [$/MW]; charging pays the energy price.
    reserve_value : (products x n) objective value of 1 MW of award [$/MW]: capacity price,
        mileage revenue and the expected settlement of deployed energy, less degradation.
    charge_max, discharge_max : power limits after availability [MW].
    reserve_max : (products x n) award limits [MW]: the power limit, lowered to the
        product's market-depth limit where one is set; 0 where the product is not offered.
    soc_min_energy, soc_max_energy : stored-energy limits [MWh].
    soc_initial_energy : stored energy before the first interval [MWh].
    soc_terminal_energy : minimum stored energy after the last interval [MWh].
    day_cycle_energy : per local day, limit on discharged energy [MWh] (inf if none).
    horizon_cycle_energy : limit on discharged energy over the horizon [MWh] (inf if none).
    """

    charge_value: np.ndarray
    discharge_value: np.ndarray
    reserve_value: np.ndarray
    charge_max: float
    discharge_max: float
    reserve_max: np.ndarray
    soc_min_energy: float
    soc_max_energy: float
    soc_initial_energy: float
    soc_terminal_energy: float
    day_cycle_energy: np.ndarray
    horizon_cycle_energy: float

    def window(self, part: slice, day_cycle: np.ndarray, soc_initial: float,
               horizon_cycle: float, soc_terminal: float | None = None) -> Coefficients:
        """The coefficients of the intervals ``part`` of these (computed over many windows at
        once, see :func:`bessfin.dispatch.horizons.run_horizon`), with the window's own
        per-day limits [MWh], initial stored energy [MWh], horizon budget [MWh] and, if
        given, minimum terminal stored energy [MWh]. Valid because every per-interval
        coefficient depends on its own interval only."""
        return Coefficients(
            charge_value=self.charge_value[part],
            discharge_value=self.discharge_value[part],
            reserve_value=self.reserve_value[:, part],
            charge_max=self.charge_max,
            discharge_max=self.discharge_max,
            reserve_max=self.reserve_max[:, part],
            soc_min_energy=self.soc_min_energy,
            soc_max_energy=self.soc_max_energy,
            soc_initial_energy=soc_initial,
            soc_terminal_energy=(self.soc_terminal_energy if soc_terminal is None
                                 else soc_terminal),
            day_cycle_energy=day_cycle,
            horizon_cycle_energy=horizon_cycle,
        )


def structure(
    series: MarketSeries, battery: Battery, *, horizon_cycle_limit: bool = False,
    part: slice = slice(None),
) -> Structure:
    """The structural key of the LP for ``series[part]`` (default: all of it) and battery;
    ``part`` spares a driver of many small windows building each sub-series."""
    day = series.local_day[part]
    day_starts = tuple(int(i) for i in np.flatnonzero(np.r_[True, day[1:] != day[:-1]]))
    return Structure(
        n=len(day),
        dt=series.dt,
        products=tuple(
            (p.id, p.product.direction, p.product.deployment_fraction) for p in series.products
        ),
        duration_h=tuple(np.ascontiguousarray(p.duration_h[part], dtype=float).tobytes()
                         for p in series.products),
        day_starts=day_starts,
        eta_charge=battery.charge_efficiency,
        eta_discharge=battery.discharge_efficiency,
        retention=(1.0 - battery.self_discharge_per_hour) ** series.dt,
        daily_cycle_limit=battery.max_cycles_per_day is not None,
        horizon_cycle_limit=horizon_cycle_limit and battery.max_cycles_per_year is not None,
        award_hold=held_awards(series, part).tobytes(),
    )


def held_awards(series: MarketSeries, part: slice = slice(None)) -> np.ndarray:
    """Positions t of ``series[part]`` whose ancillary awards must equal those of t-1: on
    sub-hourly data every interval after the first of its clock hour (awards are hourly
    products, held for the hour); none for hourly data or without products. Equations:
    ``docs/dispatch.md``."""
    if series.dt >= 1.0 or not series.products or len(series.local_day[part]) < 2:
        return np.zeros(0, dtype=np.int64)
    hour = series.index[part].floor("h").asi8
    return np.flatnonzero(hour[1:] == hour[:-1]).astype(np.int64) + 1


def day_cycle_energy(local_day: np.ndarray, battery: Battery, dt: float) -> np.ndarray:
    """Per local day of a horizon (in order of appearance; days are contiguous), the limit
    on discharged energy [MWh]: ``max_cycles_per_day`` x nameplate energy, pro rata of the
    day's hours for a partial day inside the horizon; ``inf`` without a daily limit."""
    _, counts = np.unique(local_day, return_counts=True)
    if battery.max_cycles_per_day is None:
        return np.full(len(counts), np.inf)
    return (battery.max_cycles_per_day * battery.energy_mwh
            * np.minimum(counts * dt / 24.0, 1.0))


def coefficients(
    series: MarketSeries,
    battery: Battery,
    *,
    capacity_factor: float = 1.0,
    soc_initial_energy: float | None = None,
    soc_terminal_energy: float | None = None,
    horizon_cycle_energy: float | None = None,
) -> Coefficients:
    """Compute the LP's mutable parameters.

    Parameters
    ----------
    series : prices on which the schedule is decided.
    battery : battery parameters.
    capacity_factor : remaining fraction of nameplate energy (degradation) [-].
    soc_initial_energy : stored energy before the first interval [MWh]; default from battery.
    soc_terminal_energy : minimum stored energy at the end [MWh]; default from battery.
    horizon_cycle_energy : discharge-energy budget for the horizon [MWh]; default pro rata of
        ``max_cycles_per_year`` by hours.
    """
    dt = series.dt
    n = len(series)
    nameplate = battery.energy_mwh  # warranty cycles count against nameplate energy
    energy = nameplate * capacity_factor
    lam = series.energy_price
    deg = battery.degradation_cost
    p_dis = battery.power_mw * battery.availability
    p_ch = battery.p_charge * battery.availability

    reserve_value = np.zeros((len(series.products), n))
    reserve_max = np.zeros((len(series.products), n))
    for k, ps in enumerate(series.products):
        prod = ps.product
        alpha = prod.deployment_fraction
        mileage = 0.0
        if prod.mileage is not None:
            mileage = prod.mileage.multiplier * prod.mileage.accuracy * ps.mileage_price
        # deployed up-energy is sold at lam and wears the cells; deployed down-energy is
        # bought; a symmetric award deploys alpha each way (net: the wear of the up part)
        settle = (alpha * (lam - deg) if prod.needs_up else 0.0) - (
            alpha * lam if prod.needs_down else 0.0)
        reserve_value[k] = dt * (ps.capacity_price + mileage + settle)
        limit = min(p_dis if prod.needs_up else np.inf, p_ch if prod.needs_down else np.inf)
        bound = np.full(n, limit)
        if ps.award_limit_mw is not None:
            bound = np.minimum(bound, ps.award_limit_mw)  # market depth [MW]
        reserve_max[k] = np.where(ps.available, bound, 0.0)

    if horizon_cycle_energy is None:
        horizon_cycle_energy = (
            battery.max_cycles_per_year * nameplate * n * dt / HOURS_PER_YEAR
            if battery.max_cycles_per_year is not None
            else np.inf
        )
    return Coefficients(
        charge_value=-dt * lam,
        discharge_value=dt * (lam - deg),
        reserve_value=reserve_value,
        charge_max=p_ch,
        discharge_max=p_dis,
        reserve_max=reserve_max,
        soc_min_energy=battery.soc_min * energy,
        soc_max_energy=battery.soc_max * energy,
        soc_initial_energy=(
            battery.soc_initial * energy if soc_initial_energy is None else soc_initial_energy
        ),
        soc_terminal_energy=(
            battery.terminal_fraction * energy
            if soc_terminal_energy is None
            else soc_terminal_energy
        ),
        day_cycle_energy=day_cycle_energy(series.local_day, battery, dt),
        horizon_cycle_energy=float(horizon_cycle_energy),
    )
