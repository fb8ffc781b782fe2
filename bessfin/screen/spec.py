"""Portfolio files: deals and scenario grids expanded into small, picklable deal specs.

A portfolio is a TOML or CSV file. TOML::

    base = "ercot_houston_2h_merchant.toml"   # deal file, relative to this file
    mode = "screening"                        # optional: "screening" (default) or "full"

    [set]                                     # overrides applied to every row
    "market.price_years" = [2024]

    [grid]                                    # product of lists, expanded into rows
    "market.node" = ["HB_HOUSTON", "HB_NORTH"]
    "battery.energy_mwh" = [200, 400]

    [[deals]]                                 # optional rows; each is crossed with the grid
    id = "west-4h"
    base = "other_deal.toml"                  # optional per-row base
    "market.node" = "HB_WEST"

CSV: one row per deal, columns are dotted key paths plus optional ``id`` and ``base`` (relative
to the CSV file). Empty cells inherit the base; cells are read as TOML values (``true``,
``400``, ``[2024, 2025]``, ``2025-10-01``) and otherwise as text.

Precedence within a row: ``[set]``, then the grid values, then the row's own keys. Every row is
validated up front; a row that does not validate becomes an ``invalid`` spec carrying the
message instead of stopping the portfolio.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import difflib
import hashlib
import itertools
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from bessfin.deal import (
    Deal,
    DealError,
    deal_from_dict,
    read_toml_file,
    resolve_paths,
    set_path,
)

Mode = Literal["screening", "full"]
MODES: tuple[str, ...] = ("screening", "full")

_TOP_KEYS = ("base", "mode", "set", "grid", "deals")
_ROW_META = ("id", "base")


class PortfolioError(ValueError):
    """A portfolio file that cannot be read or expanded (a file-level problem)."""


@dataclasses.dataclass(frozen=True)
class DealSpec:
    """One row of a portfolio, ready to send to a worker.

    Attributes
    ----------
    index : position in the expanded portfolio (output order).
    id : label: the row's ``id`` (``id/k`` for its k-th grid point) or the first 12 hex
        digits of ``key``.
    key : SHA-256 of the validated deal and the mode; the resume key.
    overrides : dotted key path -> value applied to the base deal, in application order.
    deal : the resolved deal as a plain dict (what the worker validates and runs).
    mode : ``"screening"`` or ``"full"`` lifetime dispatch.
    dispatch_key : hash of everything the lifetime dispatch depends on ("" when invalid);
        deals sharing it share one dispatch.
    error : validation message when the row is invalid, else ``None``.
    """

    index: int
    id: str
    key: str
    overrides: dict[str, Any]
    deal: dict[str, Any]
    mode: str
    dispatch_key: str = ""
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None


@dataclasses.dataclass(frozen=True)
class Portfolio:
    """An expanded portfolio.

    Attributes
    ----------
    path : the portfolio file.
    specs : one spec per distinct deal, in file order.
    override_columns : every dotted key path any row overrides (output columns).
    duplicates : rows dropped because they resolve to the same deal as an earlier row.
    """

    path: Path
    specs: list[DealSpec]
    override_columns: list[str]
    duplicates: int = 0

    @property
    def invalid(self) -> list[DealSpec]:
        return [s for s in self.specs if not s.valid]


def _canonical(obj: Any) -> Any:
    """``obj`` with sets sorted and tuples as lists, so its JSON does not depend on the
    process's hash seed (a frozenset's iteration order does)."""
    if isinstance(obj, dict):
        return {str(k): _canonical(v) for k, v in obj.items()}
    if isinstance(obj, (set, frozenset)):
        items = [_canonical(v) for v in obj]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    return obj


def _digest(obj: Any) -> str:
    """SHA-256 of ``obj``'s canonical JSON, the same in every process."""
    text = json.dumps(_canonical(obj), sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def dispatch_key(deal: Deal, mode: str) -> str:
    """Hash of every input the lifetime dispatch reads: battery, market section, project
    life, degradation, augmentation and mode. Deals that differ only in costs, tax, ITC,
    supply, debt or contracts share it and so share one dispatch."""
    parts = {
        "battery": deal.battery.model_dump(),
        "market": deal.market.model_dump(),
        "life_years": deal.project.life_years,
        "degradation": deal.degradation.model_dump(),
        "augmentation": deal.augmentation.model_dump(),
        "mode": mode,
    }
    return _digest(parts)[:24]


def parse_cell(text: str) -> Any:
    """A CSV cell as a TOML value (numbers, booleans, arrays, dates, quoted strings), else the
    stripped text itself."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):
        return text


def _read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        return read_toml_file(path, what)
    except DealError as e:
        raise PortfolioError(str(e)) from None


class _Bases:
    """Base deal files by path, read once."""

    def __init__(self, root: Path, default: str | Path | None):
        self.root = root
        self.default = default
        self._cache: dict[Path, dict[str, Any]] = {}

    def get(self, name: str | Path | None) -> dict[str, Any]:
        name = name if name not in (None, "") else self.default
        if name is None:
            return {}
        path = Path(name)
        path = path if path.is_absolute() else self.root / path
        if path not in self._cache:
            self._cache[path] = resolve_paths(_read_toml(path, "base deal file"), path.parent)
        return copy.deepcopy(self._cache[path])


def _check_mode(mode: Any, source: str) -> str:
    if mode not in MODES:
        raise PortfolioError(f"{source}: mode must be one of {list(MODES)}, got {mode!r}")
    return str(mode)


def _rows_from_toml(path: Path, data: dict[str, Any]) -> tuple[
    list[dict[str, Any]], dict[str, list[Any]], dict[str, Any]
]:
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        hints = [difflib.get_close_matches(k, _TOP_KEYS, n=1) for k in unknown]
        msg = ", ".join(f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
                        for k, h in zip(unknown, hints, strict=True))
        raise PortfolioError(f"{path}: unknown top-level keys {msg}; dotted deal keys belong "
                             f"in [set], [grid] or [[deals]]")
    common = data.get("set", {})
    grid = data.get("grid", {})
    rows = data.get("deals", [{}])
    if not isinstance(common, dict) or not isinstance(grid, dict) or not isinstance(rows, list):
        raise PortfolioError(f"{path}: [set] and [grid] must be tables, [[deals]] an array of "
                             f"tables")
    for k, v in grid.items():
        if not isinstance(v, list) or not v:
            raise PortfolioError(f"{path}: grid.{k!r} must be a non-empty list of values, "
                                 f"got {v!r}")
    return rows, grid, common


def _rows_from_csv(path: Path) -> list[dict[str, Any]]:
    if path.is_dir():
        raise PortfolioError(f"{path}: is a directory; expected a portfolio file")
    try:
        with path.open(newline="") as f:
            reader = csv.DictReader(f)
            rows = []
            for raw in reader:
                if None in raw:
                    raise PortfolioError(f"{path}: line {reader.line_num}: more cells than "
                                         f"header columns")
                row = {k.strip(): parse_cell(v) for k, v in raw.items()
                       if v is not None and v.strip() != ""}
                if "id" in row:
                    row["id"] = str(row["id"])
                rows.append(row)
    except FileNotFoundError:
        raise PortfolioError(f"{path}: no such portfolio file") from None
    except UnicodeDecodeError as e:
        raise PortfolioError(f"{path}: not a UTF-8 text file ({e.reason})") from None
    except OSError as e:
        raise PortfolioError(f"{path}: cannot read: {e.strerror or e}") from None
    if not rows:
        raise PortfolioError(f"{path}: no deal rows")
    return rows


def load_portfolio(
    path: str | Path, *, base: str | Path | None = None, mode: str | None = None
) -> Portfolio:
    """Read a TOML or CSV portfolio, expand its grid and validate every row.

    Parameters
    ----------
    path : ``.toml`` or ``.csv`` portfolio file.
    base : default base deal file for rows that name none (overrides the TOML ``base``);
        relative paths are taken from the current directory.
    mode : lifetime dispatch mode, overriding the file's (default ``"screening"``).

    Raises
    ------
    PortfolioError : the file (or a base deal file) is missing or malformed. Rows that do
        not validate as deals do not raise; they become invalid specs.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".toml":
        data = _read_toml(path, "portfolio file")
        rows, grid, common = _rows_from_toml(path, data)
        file_base = data.get("base")
        file_mode = data.get("mode", "screening")
    elif suffix == ".csv":
        rows, grid, common = _rows_from_csv(path), {}, {}
        file_base, file_mode = None, "screening"
    else:
        raise PortfolioError(f"{path}: a portfolio is a .toml or .csv file")
    mode = _check_mode(mode if mode is not None else file_mode, str(path))
    default_base: str | Path | None = file_base
    if base is not None:
        default_base = Path(base).resolve()
    if default_base is None:
        no_base = [r for r, row in enumerate(rows, start=1)
                   if isinstance(row, dict) and row.get("base") in (None, "")]
        if no_base:
            where = "rows " + ", ".join(map(str, no_base[:5])) + (
                ", ..." if len(no_base) > 5 else "")
            raise PortfolioError(
                f"{path}: {where} name no base deal; give a base column"
                + (" or --base" if suffix == ".csv" else ", a top-level base or --base"))
    bases = _Bases(path.parent, default_base)
    return expand(path, rows, grid, common, bases, mode)


def expand(
    path: Path,
    rows: list[dict[str, Any]],
    grid: dict[str, list[Any]],
    common: dict[str, Any],
    bases: _Bases,
    mode: str,
) -> Portfolio:
    """Cross every row with the grid, apply overrides and validate each resulting deal."""
    grid_keys = list(grid)
    combos = list(itertools.product(*(grid[k] for k in grid_keys)))
    specs: list[DealSpec] = []
    seen_keys: set[str] = set()
    seen_ids: set[str] = set()
    columns: dict[str, None] = dict.fromkeys(common)
    duplicates = 0
    for r, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise PortfolioError(f"{path}: deals[{r}] must be a table, got {row!r}")
        own = {k: v for k, v in row.items() if k not in _ROW_META}
        base = bases.get(row.get("base"))
        for k, combo in enumerate(combos):
            overrides = {**common, **dict(zip(grid_keys, combo, strict=True)), **own}
            columns.update(dict.fromkeys(overrides))
            row_id = row.get("id")
            label = None
            if row_id is not None:
                label = str(row_id) if len(combos) == 1 else f"{row_id}/{k}"
            spec = _resolve(len(specs), label, base, overrides, mode,
                            source=f"{path.name} row {r}" + (f" grid {k}" if grid else ""))
            if spec.key in seen_keys:
                duplicates += 1
                continue
            if spec.id in seen_ids:
                raise PortfolioError(f"{path}: id {spec.id!r} is used by more than one row")
            seen_keys.add(spec.key)
            seen_ids.add(spec.id)
            specs.append(spec)
    return Portfolio(path=path, specs=specs, override_columns=list(columns),
                     duplicates=duplicates)


def _validated_values(model: Deal, overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` with each value as the validated deal holds it (``"yes"`` for a
    boolean becomes ``True``), so an output column never mixes types; a path the dump does
    not hold keeps its value as given."""
    dumped = model.model_dump(mode="json")
    out = {}
    for k, v in overrides.items():
        node: Any = dumped
        for part in k.split("."):
            node = node.get(part, _MISSING) if isinstance(node, dict) else _MISSING
        out[k] = v if node is _MISSING else node
    return out


_MISSING = object()


def _resolve(
    index: int,
    label: str | None,
    base: dict[str, Any],
    overrides: dict[str, Any],
    mode: str,
    source: str,
) -> DealSpec:
    """Apply ``overrides`` to ``base``, validate, and build the spec (invalid on failure)."""
    deal = copy.deepcopy(base)
    error: str | None = None
    try:
        for k, v in overrides.items():
            set_path(deal, k, v)
        model = deal_from_dict(deal, source=source)
    except (DealError, ValueError) as e:
        error = str(e)
        key = _digest({"deal": deal, "overrides": overrides, "mode": mode})
        dkey = ""
    else:
        key = _digest({"deal": model.model_dump(), "mode": mode})
        dkey = dispatch_key(model, mode)
        overrides = _validated_values(model, overrides)
    return DealSpec(index=index, id=label or key[:12], key=key, overrides=overrides,
                    deal=deal, mode=mode, dispatch_key=dkey, error=error)
