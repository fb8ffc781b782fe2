"""Compile a linear Pyomo model into the column-wise matrix and vectors of a ``highspy`` LP.

One pass over the model, reading every constraint and the objective as Pyomo holds them (the
Pyomo model stays the one definition of the LP), with the per-element work kept to what Pyomo
requires: each constraint is standardised once (``to_bounded_expression``), the terms of a
:class:`~pyomo.core.expr.numeric_expr.LinearExpression` body are read straight from its
arguments, and the matrix, bounds and costs are assembled with numpy per constraint block.
A block holding any other body (a constant term, a product such as ``2 * (x + 3)``) is read
row by row through Pyomo's ``generate_standard_repn``; a nonlinear body is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo  # not pyomo.environ: see bessfin.dispatch.model
from pyomo.common.numeric_types import native_numeric_types
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression
from pyomo.repn import generate_standard_repn

_INF = highspy.kHighsInf


@dataclass
class CompiledLP:
    """A Pyomo model as matrices.

    Attributes
    ----------
    lp : the ``highspy`` LP (column-wise matrix, costs, bounds, sense).
    columns : the model's variables in column order.
    col_of : ``id(variable)`` -> column.
    rows : constraint component name -> its rows (consecutive).
    """

    lp: highspy.HighsLp
    columns: list
    col_of: dict[int, int]
    rows: dict[str, np.ndarray]


def _numbers(objs: list, missing: float) -> list[float]:
    """Values of numbers, parameters and fixed expressions (``missing`` for None): a parameter
    is called directly, which is several times faster than ``pyomo.environ.value``."""
    native = native_numeric_types
    return [missing if x is None else x if x.__class__ in native else x() for x in objs]


def _generic_terms(body) -> tuple[list[float], list, float]:
    """Coefficients, variables and constant of any linear body (Pyomo's standard repn)."""
    if isinstance(body, LinearExpression):
        coefs = [c if c.__class__ is float else pyo.value(c) for c in body.linear_coefs]
        return coefs, list(body.linear_vars), pyo.value(body.constant)
    repn = generate_standard_repn(body, compute_values=True, quadratic=False)
    if not repn.is_linear():
        raise ValueError(f"dispatch model holds a nonlinear expression: {body}")
    return list(repn.linear_coefs), list(repn.linear_vars), repn.constant


def _fast_terms(bodies: list, col_of: dict[int, int]):
    """(terms per row, columns, coefficients) of bodies that are all ``LinearExpression``s of
    variables and (coefficient, variable) monomials, or single variables; None otherwise."""
    mono, lin = MonomialTermExpression, LinearExpression
    args: list = []
    counts: list[int] = []
    for body in bodies:
        if body.__class__ is lin:
            a = body.args
            args.extend(a)
            counts.append(len(a))
        elif body.is_variable_type():
            args.append(body)
            counts.append(1)
        else:
            return None
    pairs = [a.args if a.__class__ is mono else (1.0, a) for a in args]
    try:
        # a constant or any other term among the arguments is no column: KeyError
        cols = [col_of[id(v)] for _, v in pairs]
    except KeyError:
        return None
    return counts, cols, _numbers([c for c, _ in pairs], 0.0)


def _block(datas: list, col_of: dict[int, int]):
    """(terms per row, columns, coefficients, row lower, row upper) of one constraint block."""
    std = [cd.to_bounded_expression() for cd in datas]
    bodies = [b for _, b, _ in std]
    lo = np.array(_numbers([v for v, _, _ in std], -_INF), dtype=float)
    hi = np.array(_numbers([v for _, _, v in std], _INF), dtype=float)
    fast = _fast_terms(bodies, col_of)
    if fast is not None:
        return (*fast, lo, hi)
    counts, cols, coefs = [], [], []
    for r, body in enumerate(bodies):
        c, v, const = _generic_terms(body)
        counts.append(len(c))
        cols.extend(col_of[id(x)] for x in v)
        coefs.extend(c)
        lo[r] -= const  # an infinite side stays infinite
        hi[r] -= const
    return counts, cols, coefs, lo, hi


def _column_wise(vals: np.ndarray, rows: np.ndarray, cols: np.ndarray, n_rows: int,
                 n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise (CSC) ``start``, ``index``, ``value`` of the matrix with entries ``vals``
    at (``rows``, ``cols``): rows ascending within each column, repeated entries summed
    (as ``scipy.sparse``'s ``csc_array`` + ``sum_duplicates``, without importing scipy,
    whose import through Pyomo's hooks costs ~0.4 s in every process)."""
    if vals.size >= 2**31:
        raise ValueError(f"{vals.size} matrix entries: more than HiGHS's 32-bit indices hold")
    key = cols * n_rows + rows
    order = np.argsort(key, kind="stable")
    key, vals = key[order], vals[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else key
    value = np.add.reduceat(vals, first) if key.size else vals
    key = key[first]
    start = np.searchsorted(key // n_rows if n_rows else key, np.arange(n_cols + 1))
    index = key % n_rows if n_rows else key
    return start.astype(np.int32), index.astype(np.int32), value


def compile_lp(m: pyo.ConcreteModel) -> CompiledLP:
    """The LP of ``m`` (linear constraints, one linear objective) with its index maps."""
    columns = list(m.component_data_objects(pyo.Var, descend_into=True))
    col_of = {id(v): i for i, v in enumerate(columns)}
    lower = np.array(_numbers([v.lower for v in columns], -_INF), dtype=float)
    upper = np.array(_numbers([v.upper for v in columns], _INF), dtype=float)

    counts: list[int] = []
    cols_j: list[int] = []
    vals: list[float] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    rows: dict[str, np.ndarray] = {}
    n_rows = 0
    for con in m.component_objects(pyo.Constraint, active=True):
        k, j, v, lo, hi = _block(list(con.values()), col_of)
        counts.extend(k)
        cols_j.extend(j)
        vals.extend(v)
        row_lo.append(lo)
        row_hi.append(hi)
        rows[con.local_name] = np.arange(n_rows, n_rows + len(lo))
        n_rows += len(lo)

    obj = next(m.component_data_objects(pyo.Objective, active=True))
    fast = _fast_terms([obj.expr], col_of)
    if fast is not None:
        _, obj_cols, obj_coefs = fast
    else:
        obj_coefs, variables, _ = _generic_terms(obj.expr)
        obj_cols = [col_of[id(x)] for x in variables]
    cost = np.zeros(len(columns))
    np.add.at(cost, np.asarray(obj_cols, dtype=np.int64), np.asarray(obj_coefs, dtype=float))

    rows_i = np.repeat(np.arange(n_rows), np.asarray(counts, dtype=np.int64))
    start, index, value = _column_wise(np.asarray(vals, dtype=float), rows_i,
                                       np.asarray(cols_j, dtype=np.int64), n_rows, len(columns))
    lp = highspy.HighsLp()
    lp.num_col_ = len(columns)
    lp.num_row_ = n_rows
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate(row_lo) if row_lo else np.zeros(0)
    lp.row_upper_ = np.concatenate(row_hi) if row_hi else np.zeros(0)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.sense_ = (
        highspy.ObjSense.kMaximize if obj.sense == pyo.maximize else highspy.ObjSense.kMinimize
    )
    return CompiledLP(lp, columns, col_of, rows)
