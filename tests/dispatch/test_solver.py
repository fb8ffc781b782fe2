"""The compiled HiGHS twin must be the Pyomo model, before and after parameter updates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

from bessfin.dispatch import Battery, CompiledModel, series_from
from bessfin.dispatch.coefficients import coefficients, structure

BATTERY = Battery(power_mw=10, energy_mwh=40, max_cycles_per_day=1.5, max_cycles_per_year=300,
                  degradation_cost=3.0, self_discharge_per_hour=0.0005)


def _series(data, days: int, start: str = "2024-01-01"):
    end = pd.Timestamp(start) + pd.Timedelta(days=days)
    return series_from(data, start=start, end=end)[0]


def _lp_arrays(model: CompiledModel):
    lp = model.highs.getLp()
    return (np.asarray(lp.col_cost_), np.asarray(lp.col_lower_), np.asarray(lp.col_upper_),
            np.asarray(lp.row_lower_), np.asarray(lp.row_upper_))


def test_pyomo_highs_interface_agrees(caiso_2024):
    """Pyomo's own HiGHS interface on the same Pyomo model finds the same optimum."""
    ser = _series(caiso_2024, 7)
    s = structure(ser, BATTERY, horizon_cycle_limit=True)
    compiled = CompiledModel(s, coefficients(ser, BATTERY))
    ours = compiled.solve().objective
    res = pyo.SolverFactory("appsi_highs").solve(compiled.model)
    assert pyo.value(compiled.model.revenue) == pytest.approx(ours, rel=1e-8)
    assert str(res.solver.termination_condition) == "optimal"


def test_compile_matches_pyomo_standard_form(caiso_2024):
    ser = _series(caiso_2024, 3)
    compiled = CompiledModel(structure(ser, BATTERY, horizon_cycle_limit=True),
                             coefficients(ser, BATTERY))
    ref = LinearStandardFormCompiler().write(compiled.model, mixed_form=True, set_sense=None)
    lp = compiled.highs.getLp()
    assert lp.num_col_ == len(ref.columns) and lp.num_row_ == len(ref.rows)
    _assert_same_lp(compiled, lp, ref)
    assert compiled.solve().objective == pytest.approx(_solve_reference(ref), rel=1e-9)


def _assert_same_lp(compiled: CompiledModel, lp, ref) -> None:
    """Every matrix entry, cost, bound and row side of ``lp`` equals Pyomo's standard form,
    matched by variable and constraint object (Pyomo may order them differently)."""
    m = compiled.model
    col_of = {id(v): j for j, v in enumerate(m.component_data_objects(pyo.Var))}
    row_of = {id(cd): r for name, rows in compiled.rows.items()
              for cd, r in zip(getattr(m, name).values(), rows, strict=True)}
    cols = np.array([col_of[id(v)] for v in ref.columns])
    rows = np.array([row_of[id(entry.constraint)] for entry in ref.rows])
    ours = np.zeros((lp.num_row_, lp.num_col_))
    start, index, value = (np.asarray(v) for v in
                           (lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_))
    for j in range(lp.num_col_):
        ours[index[start[j]:start[j + 1]], j] = value[start[j]:start[j + 1]]
    np.testing.assert_array_equal(ours[np.ix_(rows, cols)], ref.A.toarray())
    np.testing.assert_array_equal(np.asarray(lp.col_cost_)[cols], ref.c.toarray().ravel())
    kind = np.array([b for _, b in ref.rows])
    rhs = np.asarray(ref.rhs, float)
    np.testing.assert_array_equal(np.asarray(lp.row_lower_)[rows],
                                  np.where(kind <= 0, rhs, -np.inf))
    np.testing.assert_array_equal(np.asarray(lp.row_upper_)[rows],
                                  np.where(kind >= 0, rhs, np.inf))
    lower = [v.lb if v.lb is not None else -np.inf for v in ref.columns]
    upper = [v.ub if v.ub is not None else np.inf for v in ref.columns]
    np.testing.assert_array_equal(np.asarray(lp.col_lower_)[cols], lower)
    np.testing.assert_array_equal(np.asarray(lp.col_upper_)[cols], upper)


def _solve_reference(ref) -> float:
    import highspy

    from bessfin.dispatch.solver import quiet_highs

    h = quiet_highs()
    a = ref.A.tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = a.shape[1], a.shape[0]
    lp.col_cost_ = ref.c.toarray().ravel()
    lp.col_lower_ = np.array([v.lb if v.lb is not None else -np.inf for v in ref.columns])
    lp.col_upper_ = np.array([v.ub if v.ub is not None else np.inf for v in ref.columns])
    kind = np.array([b for _, b in ref.rows])
    rhs = np.asarray(ref.rhs, float)
    lp.row_lower_ = np.where(kind <= 0, rhs, -np.inf)
    lp.row_upper_ = np.where(kind >= 0, rhs, np.inf)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.sense_ = highspy.ObjSense.kMaximize
    h.passModel(lp)
    h.run()
    return h.getInfo().objective_function_value


def test_update_equals_fresh_build(caiso_2024):
    """Re-solving a built model with new parameters equals building it anew."""
    first, second = _series(caiso_2024, 2), _series(caiso_2024, 2, "2024-07-01")
    s = structure(first, BATTERY, horizon_cycle_limit=True)
    assert structure(second, BATTERY, horizon_cycle_limit=True) == s
    kw = {"capacity_factor": 0.9, "soc_initial_energy": 11.0, "horizon_cycle_energy": 50.0}
    model = CompiledModel(s, coefficients(first, BATTERY))
    model.solve()
    new = coefficients(second, BATTERY, **kw)
    model.update(new)
    fresh = CompiledModel(s, new)
    for got, want in zip(_lp_arrays(model), _lp_arrays(fresh), strict=True):
        np.testing.assert_allclose(got, want)
    # and the Pyomo parameters were updated too: recompiling the model gives the same LP
    recompiled = CompiledModel.__new__(CompiledModel)
    recompiled.structure, recompiled._model = s, model.model
    recompiled._compile()
    np.testing.assert_allclose(recompiled._lp.col_cost_, _lp_arrays(fresh)[0])
    np.testing.assert_allclose(recompiled._lp.row_upper_, _lp_arrays(fresh)[4])
    assert model.solve().objective == pytest.approx(fresh.solve().objective, rel=1e-9)


def test_update_sequence_equals_fresh_build(caiso_2024):
    """Updates that pass fields on as the same objects, and bring back objects of an earlier
    update, leave HiGHS holding exactly the last coefficients."""
    import dataclasses

    first, second = _series(caiso_2024, 2), _series(caiso_2024, 2, "2024-07-01")
    s = structure(first, BATTERY, horizon_cycle_limit=True)
    a = coefficients(first, BATTERY)
    b = coefficients(second, BATTERY, capacity_factor=0.8, soc_initial_energy=5.0,
                     horizon_cycle_energy=40.0)
    c = dataclasses.replace(b, reserve_max=a.reserve_max, day_cycle_energy=a.day_cycle_energy,
                            soc_initial_energy=a.soc_initial_energy,
                            soc_max_energy=a.soc_max_energy)
    model = CompiledModel(s, a)
    for step in (b, c, c, a, b):
        model.update(step)
        fresh = CompiledModel(s, step)
        for got, want in zip(_lp_arrays(model), _lp_arrays(fresh), strict=True):
            np.testing.assert_allclose(got, want)


def test_cost_fields_may_be_lists(caiso_2024):
    """Objective coefficients given as plain lists build and update like arrays."""
    import dataclasses

    ser = _series(caiso_2024, 2)
    s, c = structure(ser, BATTERY), coefficients(ser, BATTERY)
    as_list = dataclasses.replace(c, charge_value=c.charge_value.tolist())
    want = CompiledModel(s, c).solve().objective
    assert CompiledModel(s, as_list).solve().objective == pytest.approx(want, rel=1e-12)
    model = CompiledModel(s, c)
    model.update(as_list)
    assert model.solve().objective == pytest.approx(want, rel=1e-12)


def test_models_with_different_thread_counts_share_a_process(caiso_2024):
    """HiGHS sizes one scheduler per process; a model asking for another size still solves."""
    ser = _series(caiso_2024, 2)
    s, c = structure(ser, BATTERY), coefficients(ser, BATTERY)
    default = CompiledModel(s, c).solve().objective
    one = CompiledModel(s, c, threads=1).solve().objective
    two = CompiledModel(s, c, threads=2).solve().objective
    assert one == pytest.approx(default, rel=1e-9) and two == pytest.approx(default, rel=1e-9)
