"""The compiler turns any linear Pyomo model into the matrices it states (checked by hand)."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyomo.core.expr import LinearExpression, MonomialTermExpression

from bessfin.dispatch.compiler import _column_wise, compile_lp

INF = float("inf")


def _model() -> pyo.ConcreteModel:
    m = pyo.ConcreteModel()
    m.I = pyo.Set(initialize=[0, 1], ordered=True)
    m.cap = pyo.Param(m.I, initialize={0: 4.0, 1: 6.0}, mutable=True)
    m.k = pyo.Param(initialize=2.5, mutable=True)
    m.x = pyo.Var(m.I, bounds=lambda m, i: (0.0, m.cap[i]))  # columns 0, 1
    m.y = pyo.Var()  # column 2, free
    # LinearExpression bodies: a unit term, a parameter coefficient, a number coefficient
    m.fast = pyo.Constraint(m.I, rule=lambda m, i: LinearExpression(
        [m.x[i], MonomialTermExpression((m.k, m.y)), MonomialTermExpression((-3.0, m.x[1 - i]))]
    ) <= m.cap[i])
    m.single = pyo.Constraint(expr=m.y >= m.k)  # a bare variable body
    # operator-built body with a constant and a repeated variable: 2x0 + x0 - y + 5 == 7
    m.general = pyo.Constraint(expr=2 * m.x[0] + m.x[0] - m.y + 5 == 7)
    # a LinearExpression holding a constant term: x1 + 1.5 >= 0.5
    m.constant = pyo.Constraint(expr=LinearExpression([m.x[1], 1.5]) >= 0.5)
    # not a LinearExpression at all (a product): 2 (x1 + 3) <= 10
    m.product = pyo.Constraint(expr=2 * (m.x[1] + 3) <= 10)
    m.obj = pyo.Objective(expr=m.x[0] + 2 * m.y + m.x[0], sense=pyo.minimize)
    return m


def test_hand_written_model_compiles_to_its_matrix():
    out = compile_lp(_model())
    lp = out.lp
    a = np.zeros((lp.num_row_, lp.num_col_))
    start, index, value = (np.asarray(v) for v in
                           (lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_))
    for j in range(lp.num_col_):
        a[index[start[j]:start[j + 1]], j] = value[start[j]:start[j + 1]]
    #            x0    x1     y
    expected = [[1.0, -3.0, 2.5],   # fast[0]:  x0 + 2.5 y - 3 x1 <= 4
                [-3.0, 1.0, 2.5],   # fast[1]:  x1 + 2.5 y - 3 x0 <= 6
                [0.0, 0.0, 1.0],    # single:   y >= 2.5
                [3.0, 0.0, -1.0],   # general:  3 x0 - y == 7 - 5
                [0.0, 1.0, 0.0],    # constant: x1 >= 0.5 - 1.5
                [0.0, 2.0, 0.0]]    # product:  2 x1 <= 10 - 6
    np.testing.assert_array_equal(a, expected)
    np.testing.assert_array_equal(lp.row_lower_, [-INF, -INF, 2.5, 2.0, -1.0, -INF])
    np.testing.assert_array_equal(lp.row_upper_, [4.0, 6.0, INF, 2.0, INF, 4.0])
    np.testing.assert_array_equal(lp.col_lower_, [0.0, 0.0, -INF])
    np.testing.assert_array_equal(lp.col_upper_, [4.0, 6.0, INF])
    np.testing.assert_array_equal(lp.col_cost_, [2.0, 0.0, 2.0])
    assert {k: v.tolist() for k, v in out.rows.items()} == {
        "fast": [0, 1], "single": [2], "general": [3], "constant": [4],
        "product": [5]}


def test_parameters_are_read_at_compile_time():
    m = _model()
    m.k.set_value(-1.0)
    m.cap[1] = 9.0
    lp = compile_lp(m).lp
    assert lp.col_upper_[1] == 9.0 and lp.row_upper_[1] == 9.0 and lp.row_lower_[2] == -1.0
    assert -1.0 in np.asarray(lp.a_matrix_.value_)


def test_nonlinear_constraint_is_an_error():
    m = _model()
    m.bad = pyo.Constraint(expr=m.x[0] * m.y <= 1)
    with pytest.raises(ValueError, match="nonlinear"):
        compile_lp(m)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6),
       st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5),
                          st.floats(-1e3, 1e3, allow_nan=False)), max_size=40))
def test_column_wise_matches_scipy_csc(n_rows, n_cols, entries):
    """The column-wise assembly equals scipy's CSC with summed duplicates (an independent
    implementation), repeated entries included."""
    from scipy import sparse

    entries = [(i % n_rows, j % n_cols, v) for i, j, v in entries]
    rows = np.array([e[0] for e in entries], dtype=np.int64)
    cols = np.array([e[1] for e in entries], dtype=np.int64)
    vals = np.array([e[2] for e in entries], dtype=float)
    start, index, value = _column_wise(vals, rows, cols, n_rows, n_cols)
    ref = sparse.csc_array((vals, (rows, cols)), shape=(n_rows, n_cols))
    ref.sum_duplicates()
    np.testing.assert_array_equal(start, ref.indptr)
    np.testing.assert_array_equal(index, ref.indices)
    np.testing.assert_allclose(value, ref.data, rtol=1e-12, atol=1e-9)
