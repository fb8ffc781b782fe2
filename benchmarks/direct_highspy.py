"""The dispatch LP of ``docs/dispatch.md`` built directly as scipy sparse matrices for highspy.

This is an independent twin of the Pyomo model in :mod:`bessfin.dispatch.model`, written from
the equations in ``docs/dispatch.md`` with vectorised numpy (no Pyomo). It serves two purposes:

* a reference implementation the tests compare against (same optimum, rel 1e-7), and
* the "raw HiGHS" baseline of ``benchmarks/bench_dispatch.py``: the fastest reasonable way to
  build and solve the same LP from Python.

Only the *values* of the parameters come from bessfin
(:func:`bessfin.dispatch.coefficients.coefficients`: objective values [$/MW], limits [MW],
[MWh]); the matrix (which variable enters which row with which coefficient) is built here from
the series and the battery. Column and row *order* follow bessfin's compiled model (so HiGHS sees
the same LP in the same order and solve times are comparable):

columns: ``charge[t]`` (n), ``discharge[t]`` (n), ``reserve[p, t]`` (products x n, product
major), ``soc[t]`` (n), ``soc_start`` (1).

rows: ``energy_balance`` (n), ``up_headroom`` (n, if up products), ``down_headroom`` (n, if
down products), ``up_energy_start``/``up_energy_end`` (n each, if up products),
``down_energy_start``/``down_energy_end`` (n each, if down products), ``terminal_energy`` (1),
``day_cycle`` (local days, if ``max_cycles_per_day``), ``horizon_cycle`` (1, if requested).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy import sparse

from bessfin.dispatch.battery import Battery
from bessfin.dispatch.coefficients import HOURS_PER_YEAR, Coefficients, coefficients, structure
from bessfin.dispatch.horizons import Horizon, window_starts
from bessfin.dispatch.series import MarketSeries
from bessfin.dispatch.solver import quiet_highs as _bessfin_quiet_highs

INF = highspy.kHighsInf


def quiet_highs(threads: int | None = None) -> highspy.Highs:
    """A silent HiGHS instance (bessfin's muted constructor), optionally with a thread count."""
    h = _bessfin_quiet_highs()
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    return h


@dataclass(frozen=True)
class Layout:
    """Where each variable block and constraint group sits in the LP.

    Attributes
    ----------
    n : intervals [-]; k : products [-].
    cols : block name -> column positions (``reserve`` is (k x n)).
    rows : constraint name -> row positions.
    up, down : product positions by direction.
    """

    n: int
    k: int
    cols: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    up: list[int]
    down: list[int]

    @property
    def num_col(self) -> int:
        return (3 + self.k) * self.n + 1

    @property
    def num_row(self) -> int:
        return sum(r.size for r in self.rows.values())


@dataclass
class DirectLP:
    """One dispatch LP in column-wise form: matrix, costs and bounds (maximisation)."""

    layout: Layout
    matrix: sparse.csc_array
    cost: np.ndarray  # [$/MW] per column (0 for soc)
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


def _finite(x: float | np.ndarray) -> float | np.ndarray:
    """Map +inf limits to HiGHS's infinity."""
    return (
        np.where(np.isinf(x), INF, x)
        if isinstance(x, np.ndarray)
        else (INF if np.isinf(x) else float(x))
    )


@dataclass
class _Triplets:
    """COO triplets of the constraint matrix, built row group by row group."""

    rows_i: list[np.ndarray] = field(default_factory=list)
    cols_j: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    next_row: int = 0

    def group(self, name: str, count: int) -> np.ndarray:
        r = np.arange(self.next_row, self.next_row + count)
        self.rows[name] = r
        self.next_row += count
        return r

    def add(self, r: np.ndarray, c: np.ndarray, v: float | np.ndarray) -> None:
        self.rows_i.append(np.broadcast_to(r, c.shape).ravel())
        self.cols_j.append(c.ravel())
        self.vals.append(np.broadcast_to(np.asarray(v, float), c.shape).ravel())

    def matrix(self, num_col: int) -> sparse.csc_array:
        a = sparse.coo_array(
            (
                np.concatenate(self.vals),
                (np.concatenate(self.rows_i), np.concatenate(self.cols_j)),
            ),
            shape=(self.next_row, num_col),
        ).tocsc()
        a.sum_duplicates()
        return a


def _energy_balance(
    m: _Triplets, cols: dict[str, np.ndarray], soc_before: np.ndarray, battery: Battery,
    dt: float, alpha: np.ndarray, up: list[int], down: list[int],
) -> None:
    """S_t - rho S_{t-1} - dt eta_c c_t + dt d_t / eta_d
    - sum_dn dt alpha eta_c x + sum_up dt alpha x / eta_d = 0  [MWh]
    (a symmetric product is in both sums)."""
    ec, ed = battery.charge_efficiency, battery.discharge_efficiency
    rho = (1.0 - battery.self_discharge_per_hour) ** dt
    r = m.group("energy_balance", len(cols["soc"]))
    m.add(r, cols["soc"], 1.0)
    m.add(r, soc_before, -rho)
    m.add(r, cols["charge"], -dt * ec)
    m.add(r, cols["discharge"], dt / ed)
    for j in range(len(alpha)):
        if alpha[j] > 0:
            m.add(r, cols["reserve"][j], dt * alpha[j] * ((j in up) / ed - (j in down) * ec))


def _headroom(m: _Triplets, cols: dict[str, np.ndarray], up: list[int], down: list[int]) -> None:
    """Power headroom of up and down reserves [MW]."""
    n = len(cols["charge"])
    for name, which, plus, minus in (("up", up, "discharge", "charge"),
                                     ("down", down, "charge", "discharge")):
        if not which:
            continue
        r = m.group(f"{name}_headroom", n)
        m.add(r, cols[plus], 1.0)
        m.add(r, cols[minus], -1.0)
        for j in which:
            m.add(r, cols["reserve"][j], 1.0)


def _sustain(
    m: _Triplets, cols: dict[str, np.ndarray], soc_before: np.ndarray, series: MarketSeries,
    battery: Battery, up: list[int], down: list[int],
) -> None:
    """Reserves sustained at both ends of each interval [MWh]."""
    ec, ed = battery.charge_efficiency, battery.discharge_efficiency
    n = len(cols["soc"])
    for name, which, scale in (("up", up, -1.0 / ed), ("down", down, ec)):
        if not which:
            continue
        for end, s_col in (("start", soc_before), ("end", cols["soc"])):
            r = m.group(f"{name}_energy_{end}", n)
            m.add(r, s_col, 1.0)
            for j in which:
                m.add(r, cols["reserve"][j], scale * series.products[j].duration_h)


def _cycle_limits(
    m: _Triplets, cols: dict[str, np.ndarray], series: MarketSeries, battery: Battery,
    dt: float, alpha: np.ndarray, dep_up: list[int], horizon_cycle_limit: bool,
) -> None:
    """Cycle limits: dt (d_t + sum_up alpha x_t) per local day and per horizon [MWh]."""
    n = len(cols["discharge"])
    if battery.max_cycles_per_day is not None:
        day = series.local_day
        first = np.r_[True, day[1:] != day[:-1]]
        day_of = np.cumsum(first) - 1
        r = m.group("day_cycle", int(first.sum()))
        m.add(r[day_of], cols["discharge"], dt)
        for j in dep_up:
            m.add(r[day_of], cols["reserve"][j], dt * alpha[j])
    if horizon_cycle_limit and battery.max_cycles_per_year is not None:
        r = m.group("horizon_cycle", 1)
        m.add(np.zeros(n, int) + r[0], cols["discharge"], dt)
        for j in dep_up:
            m.add(np.zeros(n, int) + r[0], cols["reserve"][j], dt * alpha[j])


def lp_matrix(
    series: MarketSeries, battery: Battery, *, horizon_cycle_limit: bool = False
) -> tuple[sparse.csc_array, Layout]:
    """The constraint matrix of ``docs/dispatch.md`` and its layout, vectorised.

    Coefficients are in MWh per MW (dt-scaled) for energy rows and 1 for power rows.
    """
    n, k, dt = len(series), len(series.products), series.dt
    t = np.arange(n)
    soc_start = (3 + k) * n
    cols = {
        "charge": t,
        "discharge": n + t,
        "reserve": 2 * n + np.arange(k * n).reshape(k, n),
        "soc": (2 + k) * n + t,
        "soc_start": np.array([soc_start]),
    }
    soc_before = np.r_[soc_start, cols["soc"][:-1]]
    direction = [p.product.direction for p in series.products]
    alpha = np.array([p.product.deployment_fraction for p in series.products])
    # a symmetric product (one award regulating both ways) is in both sets
    up = [j for j in range(k) if direction[j] in ("up", "symmetric")]
    down = [j for j in range(k) if direction[j] in ("down", "symmetric")]

    m = _Triplets()
    _energy_balance(m, cols, soc_before, battery, dt, alpha, up, down)
    _headroom(m, cols, up, down)
    _sustain(m, cols, soc_before, series, battery, up, down)
    r = m.group("terminal_energy", 1)  # [MWh]
    m.add(r, np.array([cols["soc"][-1]]), 1.0)
    dep_up = [j for j in up if alpha[j] > 0]
    _cycle_limits(m, cols, series, battery, dt, alpha, dep_up, horizon_cycle_limit)

    a = m.matrix((3 + k) * n + 1)
    layout = Layout(n=n, k=k, cols=cols, rows=m.rows, up=up, down=down)
    return a, layout


def lp_vectors(
    layout: Layout, c: Coefficients
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Costs [$/MW], column bounds [MW, MWh] and row bounds [MW, MWh] for values ``c``."""
    n, cols, rows = layout.n, layout.cols, layout.rows
    cost = np.concatenate(
        [c.charge_value, c.discharge_value, c.reserve_value.ravel(), np.zeros(n + 1)]
    )
    lo = np.zeros(layout.num_col)
    hi = np.empty(layout.num_col)
    hi[cols["charge"]] = c.charge_max
    hi[cols["discharge"]] = c.discharge_max
    hi[cols["reserve"].ravel()] = c.reserve_max.ravel()
    lo[cols["soc"]] = c.soc_min_energy
    hi[cols["soc"]] = c.soc_max_energy
    lo[cols["soc_start"]] = hi[cols["soc_start"]] = c.soc_initial_energy
    rlo = np.full(layout.num_row, -INF)
    rhi = np.full(layout.num_row, INF)
    bounds = {
        "energy_balance": (0.0, 0.0),
        "up_headroom": (-INF, c.discharge_max),
        "down_headroom": (-INF, c.charge_max),
        "up_energy_start": (c.soc_min_energy, INF),
        "up_energy_end": (c.soc_min_energy, INF),
        "down_energy_start": (-INF, c.soc_max_energy),
        "down_energy_end": (-INF, c.soc_max_energy),
        "terminal_energy": (c.soc_terminal_energy, INF),
        "day_cycle": (-INF, _finite(c.day_cycle_energy)),
        "horizon_cycle": (-INF, _finite(c.horizon_cycle_energy)),
    }
    for name, r in rows.items():
        rlo[r], rhi[r] = bounds[name]
    return cost, lo, hi, rlo, rhi


def build_lp(
    series: MarketSeries,
    battery: Battery,
    coef: Coefficients | None = None,
    *,
    horizon_cycle_limit: bool = False,
) -> DirectLP:
    """The whole LP for ``series`` (values from :func:`coefficients` unless ``coef`` given)."""
    coef = coefficients(series, battery) if coef is None else coef
    a, layout = lp_matrix(series, battery, horizon_cycle_limit=horizon_cycle_limit)
    return DirectLP(layout, a, *lp_vectors(layout, coef))


@dataclass(frozen=True)
class DirectSolution:
    """Primal values and objective of one direct solve."""

    charge: np.ndarray  # [MW]
    discharge: np.ndarray  # [MW]
    soc: np.ndarray  # [MWh], end of interval
    reserve: np.ndarray  # (products x n) [MW]
    objective: float  # [$]
    seconds: float  # HiGHS run + solution read-out [s]


class DirectModel:
    """A :class:`DirectLP` living in one HiGHS instance, updatable in place."""

    def __init__(self, lp: DirectLP, *, threads: int | None = None):
        self.layout = lp.layout
        self.highs = quiet_highs(threads)
        h = highspy.HighsLp()
        h.num_col_ = lp.layout.num_col
        h.num_row_ = lp.layout.num_row
        h.col_cost_ = lp.cost
        h.col_lower_ = lp.col_lower
        h.col_upper_ = lp.col_upper
        h.row_lower_ = lp.row_lower
        h.row_upper_ = lp.row_upper
        h.sense_ = highspy.ObjSense.kMaximize
        h.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        h.a_matrix_.start_ = lp.matrix.indptr
        h.a_matrix_.index_ = lp.matrix.indices
        h.a_matrix_.value_ = lp.matrix.data
        self.highs.passModel(h)
        self._all_cols = np.arange(lp.layout.num_col, dtype=np.int32)
        self._all_rows = np.arange(lp.layout.num_row, dtype=np.int32)

    def update(self, coef: Coefficients) -> None:
        """Write new costs, column bounds and row bounds into the live model (3 calls)."""
        cost, lo, hi, rlo, rhi = lp_vectors(self.layout, coef)
        h, nc, nr = self.highs, self._all_cols.size, self._all_rows.size
        h.changeColsCost(nc, self._all_cols, cost)
        h.changeColsBounds(nc, self._all_cols, lo, hi)
        h.changeRowsBounds(nr, self._all_rows, rlo, rhi)

    def solve(self) -> DirectSolution:
        """Run HiGHS (warm-started if the model was solved before); raise unless optimal."""
        t0 = time.perf_counter()
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"direct LP: {self.highs.modelStatusToString(status)}")
        x = np.asarray(self.highs.getSolution().col_value)
        cols = self.layout.cols
        return DirectSolution(
            charge=x[cols["charge"]],
            discharge=x[cols["discharge"]],
            soc=x[cols["soc"]],
            reserve=x[cols["reserve"]],
            objective=float(self.highs.getInfo().objective_function_value),
            seconds=time.perf_counter() - t0,
        )


@dataclass
class DirectRun:
    """A direct solve or rolling loop: schedule, objective and timings [s]."""

    charge: np.ndarray
    discharge: np.ndarray
    soc: np.ndarray
    reserve: np.ndarray
    objective: float  # [$]: sum of window objectives (one window for perfect foresight)
    build_seconds: float
    solve_seconds: float
    windows: int = 1
    models_built: int = 1
    window_objectives: list[float] = field(default_factory=list)


def solve_direct(
    series: MarketSeries,
    battery: Battery,
    *,
    horizon_cycle_limit: bool = False,
    threads: int | None = None,
) -> DirectRun:
    """Build and solve one LP over the whole series (perfect foresight)."""
    t0 = time.perf_counter()
    model = DirectModel(
        build_lp(series, battery, horizon_cycle_limit=horizon_cycle_limit), threads=threads
    )
    built = time.perf_counter() - t0
    sol = model.solve()
    return DirectRun(
        sol.charge,
        sol.discharge,
        sol.soc,
        sol.reserve,
        sol.objective,
        built,
        sol.seconds,
        window_objectives=[sol.objective],
    )


def run_rolling_direct(
    decide: MarketSeries,
    battery: Battery,
    horizon: Horizon,
    *,
    capacity_factor: float = 1.0,
    threads: int | None = None,
) -> DirectRun:
    """Rolling windows with lookahead, as :func:`bessfin.dispatch.horizons.run_horizon`.

    One HiGHS model is built per distinct window structure (window length, local-day cut,
    sustain durations: in a daily roll with 24 h lookahead that is the ordinary 48 h window plus
    DST and year-end variants) and updated in place (costs, column and row bounds) for every
    other window; HiGHS warm-starts from the previous basis. Windows, lookahead, SOC carry-over,
    terminal SOC and the annual cycle budget follow ``run_horizon``.
    """
    n, k, dt = len(decide), len(decide.products), decide.dt
    starts = window_starts(decide, horizon.window)
    ends = np.r_[starts[1:], n]
    charge, discharge, soc = np.zeros(n), np.zeros(n), np.zeros(n)
    reserve = np.zeros((k, n))
    models: dict = {}
    build_s = solve_s = 0.0
    soc_now = battery.soc_initial * battery.energy_mwh * capacity_factor
    budget = (
        battery.max_cycles_per_year * battery.energy_mwh * n * dt / HOURS_PER_YEAR
        if battery.max_cycles_per_year is not None
        else None
    )
    dep_up = [
        (j, p.product.deployment_fraction)
        for j, p in enumerate(decide.products)
        if p.product.direction == "up"
    ]
    used = 0.0
    objectives: list[float] = []
    for a, b in zip(starts, ends, strict=True):
        c = min(b + horizon.lookahead_hours, n)
        window = decide.take(slice(a, c))
        allowance = None if budget is None else max(budget - used, 0.0) * (c - a) / (n - a)
        coef = coefficients(
            window,
            battery,
            capacity_factor=capacity_factor,
            soc_initial_energy=soc_now,
            horizon_cycle_energy=allowance,
        )
        key = structure(window, battery, horizon_cycle_limit=budget is not None)
        model = models.get(key)
        if model is None:
            t0 = time.perf_counter()
            a_mat, layout = lp_matrix(window, battery, horizon_cycle_limit=budget is not None)
            model = DirectModel(DirectLP(layout, a_mat, *lp_vectors(layout, coef)), threads=threads)
            build_s += time.perf_counter() - t0
            models[key] = model
        else:
            model.update(coef)
        sol = model.solve()
        solve_s += sol.seconds
        objectives.append(sol.objective)
        m = b - a
        charge[a:b], discharge[a:b] = sol.charge[:m], sol.discharge[:m]
        soc[a:b], reserve[:, a:b] = sol.soc[:m], sol.reserve[:, :m]
        soc_now = float(np.clip(sol.soc[m - 1], coef.soc_min_energy, coef.soc_max_energy))
        if budget is not None:
            deployed = sum((al * reserve[j, a:b] for j, al in dep_up), np.zeros(m))
            used += float(np.sum(dt * (discharge[a:b] + deployed)))
    return DirectRun(
        charge,
        discharge,
        soc,
        reserve,
        float(np.sum(objectives)),
        build_s,
        solve_s,
        windows=len(starts),
        models_built=len(models),
        window_objectives=objectives,
    )
