"""Screen output: a JSONL resume ledger and a CSV table appended as deals finish, the
Parquet table at the end, and the ranked summary.

Files in the output directory:

* ``results.jsonl`` - one JSON row per finished deal, appended and flushed as each completes;
  it is the resume ledger (rows are matched by ``key``) and survives an interrupted run (a
  truncated last line is ignored).
* ``results.csv`` - the table: rewritten at start from the ledger for this portfolio, appended
  as deals finish, rewritten in portfolio order at the end. Text cells starting with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return get a leading ``'`` (CSV injection, OWASP),
  so a spreadsheet shows them as text; the ledger and Parquet hold the values as given.
* ``results.parquet`` - the same table, written at the end (needs pyarrow).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bessfin.finance import METRIC_CATALOGUE, lower_is_better, rankable
from bessfin.io import csv_safe, csv_text
from bessfin.screen.worker import METRICS, TIMINGS

log = logging.getLogger(__name__)

LEDGER = "results.jsonl"
TABLE_CSV = "results.csv"
TABLE_PARQUET = "results.parquet"

#: Statuses of deals that are done: skipped on resume.
FINISHED = ("ok", "invalid", "error")
#: Metrics where smaller ranks first (direction "lower" in the metric catalogue); every other
#: metric ranks largest first.
LOWER_IS_BETTER = frozenset(n for n in METRICS if n in METRIC_CATALOGUE and lower_is_better(n))
#: Metrics a screen can rank by: the summary's metrics that have a direction in the catalogue.
RANKABLE: tuple[str, ...] = tuple(n for n in rankable() if n in METRICS)


def table_columns(override_columns: Sequence[str]) -> list[str]:
    """Output column order: identity and status, the overridden keys, metrics, then run
    bookkeeping and the resume key."""
    head = ["index", "id", "status"]
    over = [c for c in override_columns if c not in head]
    return [*head, *over, *METRICS, "message", *TIMINGS, "key"]


def _cell(v: Any) -> Any:
    """A JSON/CSV-safe value: lists and dates as text, NaN/inf as empty."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (list, tuple, dict)):
        return json.dumps(v, default=str)
    if v is None or isinstance(v, (bool, int, float, str)):
        return v
    return str(v)


def with_overrides(row: dict[str, Any], index: int, overrides: dict[str, Any]) -> dict[str, Any]:
    """The row with its portfolio position and override values as columns."""
    return {"index": index, **{k: _cell(v) for k, v in overrides.items()}, **row}


class ResultWriter:
    """Append rows as they finish; read back finished rows for resume.

    Parameters
    ----------
    out_dir : output directory (created).
    columns : table columns (:func:`table_columns`).
    resume : keep an existing ledger; ``False`` starts over (the old ledger is removed).
    """

    def __init__(self, out_dir: str | Path, columns: Sequence[str], *, resume: bool = True):
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.columns = list(columns)
        self.ledger_path = self.out_dir / LEDGER
        self.csv_path = self.out_dir / TABLE_CSV
        self.parquet_path = self.out_dir / TABLE_PARQUET
        if not resume:
            for p in (self.ledger_path, self.csv_path, self.parquet_path):
                p.unlink(missing_ok=True)
        self._ledger = None
        self._csv = None
        self._csv_writer: csv.DictWriter | None = None

    def finished(self) -> dict[str, dict[str, Any]]:
        """Rows of the ledger by key (the last row of a key wins); truncated lines skipped."""
        rows: dict[str, dict[str, Any]] = {}
        if not self.ledger_path.exists():
            return rows
        with self.ledger_path.open() as f:
            for line in f:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut short by an interrupted run
                if isinstance(row, dict) and row.get("status") in FINISHED and "key" in row:
                    rows[row["key"]] = row
        return rows

    def open(self, existing: Iterable[dict[str, Any]]) -> None:
        """Start the CSV table with ``existing`` rows and open both files for appending."""
        if self.ledger_path.exists() and self.ledger_path.stat().st_size:
            with self.ledger_path.open("rb") as f:
                f.seek(-1, os.SEEK_END)
                needs_newline = f.read(1) != b"\n"
            if needs_newline:
                with self.ledger_path.open("a") as f:
                    f.write("\n")
        self._ledger = self.ledger_path.open("a")
        self._csv = self.csv_path.open("w", newline="")
        self._csv_writer = csv.DictWriter(self._csv, fieldnames=self.columns,
                                          extrasaction="ignore")
        self._csv_writer.writeheader()
        for row in existing:
            self._csv_writer.writerow({k: csv_text(_cell(v)) for k, v in row.items()})
        self._csv.flush()

    def write(self, row: dict[str, Any], *, ledger: bool = True) -> None:
        """Append one finished row (to the ledger too unless ``ledger=False``) and flush."""
        if self._csv_writer is None or self._csv is None or self._ledger is None:
            raise RuntimeError("ResultWriter.open() first")
        clean = {k: _cell(v) for k, v in row.items()}
        if ledger:
            self._ledger.write(json.dumps(clean) + "\n")
            self._ledger.flush()
        self._csv_writer.writerow({k: csv_text(v) for k, v in clean.items()})
        self._csv.flush()

    def close(self) -> None:
        for f in (self._ledger, self._csv):
            if f is not None:
                f.close()
        self._ledger = self._csv = self._csv_writer = None

    def finalize(self, rows: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame, Path | None]:
        """Rewrite the CSV in portfolio order and write Parquet; return the table and the
        Parquet path (``None`` without pyarrow)."""
        self.close()
        table = make_table(rows, self.columns)
        tmp = self.csv_path.with_suffix(".csv.tmp")
        csv_safe(table).to_csv(tmp, index=False)
        tmp.replace(self.csv_path)
        try:
            parquet_table(table).to_parquet(self.parquet_path, index=False)
        except ImportError:
            log.warning("pyarrow is not installed: %s not written "
                        "(pip install 'bessfin[parquet]')", self.parquet_path)
            return table, None
        except (ValueError, TypeError, ArithmeticError) as e:  # never lose the CSV table
            self.parquet_path.unlink(missing_ok=True)
            log.warning("%s not written (%s: %s); the table is in %s", self.parquet_path,
                        type(e).__name__, e, self.csv_path)
            return table, None
        return table, self.parquet_path


def make_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """Rows as a frame with ``columns`` in order, sorted by portfolio index."""
    table = pd.DataFrame([{k: _cell(r.get(k)) for k in columns} for r in rows], columns=columns)
    if len(table):
        table = table.sort_values("index", kind="stable").reset_index(drop=True)
    for c in table.columns:
        if table[c].dtype == object:
            # mixed None/str columns stay object; all-None metric columns become float NaN
            if table[c].isna().all():
                table[c] = table[c].astype(float)
    return table


def parquet_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every object column holding one type: a column mixing types (``True``
    and ``"maybe"``, ``400`` and ``"400 MW"``) becomes text, so Parquet can store it."""
    out = table.copy()
    for c in out.columns:
        if out[c].dtype != object:
            continue
        kinds = {type(v) for v in out[c] if v is not None and not (
            isinstance(v, float) and math.isnan(v))}
        if len(kinds) > 1 and not kinds <= {int, float}:
            out[c] = out[c].map(lambda v: None if v is None or (
                isinstance(v, float) and math.isnan(v)) else str(v))
    return out


def rank(table: pd.DataFrame, by: str = "equity_irr_after_tax", top: int | None = 10
         ) -> pd.DataFrame:
    """Finished (``ok``) deals with a value of ``by``, best first (largest, except for costs,
    LCOS and payback where smallest ranks first); ``top`` rows, all when ``None``."""
    if by not in table.columns:
        raise ValueError(f"cannot rank by {by!r}: choose one of {', '.join(RANKABLE)}")
    ok = table[(table["status"] == "ok") & table[by].notna()]
    ranked = ok.sort_values(by, ascending=by in LOWER_IS_BETTER, kind="stable")
    return ranked if top is None else ranked.head(top)
