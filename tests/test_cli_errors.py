"""Hostile inputs to the command line: every failure is one line on stderr with a documented
exit code (2 bad input, 3 solver, 4 unexpected), user text is printed literally, outputs
never land on inputs or in unusable places, and user text never becomes a formula."""

from __future__ import annotations

import errno
import json
import os
import stat

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from bessfin.cli import ExitCode, app
from tests.screen.helpers import BASE

runner = CliRunner()

#: The small SPP deal, energy only, 2-year life: runs in about a second in screening mode.
SMALL = BASE.read_text().replace("life_years = 4", "life_years = 2").replace(
    'price_years = [2022]', 'price_years = [2022]\nproducts = []')


def small_deal(tmp_path, name="SPP small", **replace: str):
    text = SMALL.replace('name = "SPP small"', f"name = {json.dumps(name)}")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / f"deal_{abs(hash(name)) % 10**8}.toml"
    path.write_text(text)
    return path


def one_line_error(r, code=ExitCode.BAD_INPUT) -> str:
    assert r.exit_code == code, (r.exit_code, r.stdout, r.stderr)
    errors = [ln for ln in r.stderr.strip().splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1, r.stderr  # progress lines may precede it
    assert r.stderr.strip().splitlines()[-1] == errors[0] and "Traceback" not in r.stderr
    return errors[0]


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


# --- user text is printed literally ---------------------------------------------------------

def test_markup_in_deal_name_is_printed_literally(tmp_path):
    deal = small_deal(tmp_path, name="[/red] deal [bold]x")
    r = run("run", deal, "--mode", "screening", "--no-sensitivity", "--no-report")
    assert r.exit_code in (ExitCode.OK, ExitCode.CHECK_FAILED), r.stderr
    assert "[/red] deal [bold]x" in r.stdout  # the table header, as written
    assert "Traceback" not in r.stderr


def test_markup_in_node_is_one_line_naming_file_and_key(tmp_path):
    deal = small_deal(tmp_path, **{'node = "SPPNORTH_HUB"': 'node = "[/bold]x"'})
    line = one_line_error(run("run", deal, "--no-report"))
    assert f"{deal}: market.node:" in line and "'[/bold]x'" in line
    assert "SPPNORTH_HUB" in line  # what is available


def test_help_keeps_brackets():
    r = runner.invoke(app, ["screen", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0
    for text in ("[set]", "[grid]", "[[deals]]"):
        assert text in r.stdout, text
    r = runner.invoke(app, ["dispatch", "--help"], env={"COLUMNS": "300"})
    assert "[MW]" in r.stdout and "[$/MWh discharged]" in r.stdout
    r = runner.invoke(app, ["parity", "--help"], env={"COLUMNS": "300"})
    assert "[fraction, 0.484 = 48.4%]" in r.stdout


def test_messages_with_brackets_are_not_eaten(tmp_path):
    pf = tmp_path / "pf.toml"
    pf.write_text(f'base = "{BASE.as_posix()}"\n"battery.energy_mwh" = 5\n')
    line = one_line_error(run("screen", pf, "--backend", "serial"))
    assert "[set], [grid] or [[deals]]" in line


# --- unreadable inputs ----------------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "parity"])
def test_deal_path_that_is_a_directory(tmp_path, command):
    line = one_line_error(run(command, tmp_path))
    assert str(tmp_path) in line and "is a directory" in line


def test_toml_nested_500_deep_is_one_line(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 500 + "]" * 500 + "\n")
    line = one_line_error(run("run", deep, "--no-report"))
    assert str(deep) in line and "nested too deeply" in line
    pf = tmp_path / "deep_pf.toml"
    pf.write_text(deep.read_text())
    line = one_line_error(run("screen", pf, "--backend", "serial"))
    assert "nested too deeply" in line


def test_700000_unknown_keys_show_20_and_a_count(tmp_path):
    import tomllib

    from bessfin.deal import DealError, deal_from_dict

    data = tomllib.loads(SMALL)
    data.update({f"k{i}": 1 for i in range(700_000)})
    with pytest.raises(DealError) as e:
        deal_from_dict(data, "big.toml")
    lines = str(e.value).splitlines()
    assert len(lines) == 21 and lines[0].startswith("big.toml: k0: unknown key")
    assert "699980 more problems (700000 in all)" in lines[-1]
    # through the CLI (fewer keys: parsing 700,000 TOML lines alone takes seconds)
    path = tmp_path / "many.toml"
    path.write_text(SMALL.replace("[market]\n", "".join(
        f"x{i} = 1\n" for i in range(2_000)) + "[market]\n"))
    r = run("run", path, "--no-report")
    assert r.exit_code == ExitCode.BAD_INPUT
    lines = r.stderr.strip().splitlines()
    assert len(lines) <= 21, len(lines)
    assert lines[0].startswith(f"error: {path}: battery.x0: unknown key")
    assert lines[-1].endswith("more problems (2000 in all)")
    shown = sum("unknown key" in ln for ln in lines)
    assert f"and {2000 - shown} more problems" in lines[-1]
    # below the cap, pydantic's messages (with did-you-mean hints) are kept
    with pytest.raises(DealError, match="did you mean 'power_mw'"):
        deal_from_dict({**tomllib.loads(SMALL), "battery": {
            **tomllib.loads(SMALL)["battery"], "power_mww": 1}}, "d.toml")


@pytest.mark.parametrize("key, old, new", [
    ("market.iso", 'iso = "spp"', 'iso = "ercott"'),
    ("market.price_years", "price_years = [2022]", "price_years = [1999]"),
    ("market.node", 'node = "SPPNORTH_HUB"', 'node = "NOWHERE"'),
    ("market.products", "products = []", 'products = ["reg_sideways"]'),
])
def test_unknown_names_name_file_and_key(tmp_path, key, old, new):
    deal = small_deal(tmp_path, **{old: new})
    line = one_line_error(run("run", deal, "--no-report"))
    assert line.startswith(f"error: {deal}: {key}: "), line


def test_user_price_iso_in_run_is_one_line_pointing_to_user_prices(tmp_path):
    """NYISO is a known market but ships no prices: the CLI (shipped prices only) says so and
    points to run_deal(prices=...), rather than listing an empty set of markets."""
    deal = small_deal(tmp_path, **{'iso = "spp"': 'iso = "nyiso"'})
    line = one_line_error(run("run", deal, "--no-report"))
    assert line.startswith(f"error: {deal}: market.iso: bessfin ships no nyiso prices"), line
    assert "run_deal(deal, prices=...)" in line and "spp" in line
    unknown = small_deal(tmp_path, name="other", **{'iso = "spp"': 'iso = "ercott"'})
    line = one_line_error(run("run", unknown, "--no-report"))
    assert "shipped ISOs: caiso, ercot, pjm, spp; user prices only: isone, miso, nyiso" in line


@pytest.mark.parametrize("key, section", [
    ("supply.option", '[supply]\noption = "moon-import"\n'),
    ("supply.tariff_scenario", '[supply]\noption = "china-import"\ntariff_scenario = "x"\n'),
])
def test_unknown_supply_names_name_file_and_key(tmp_path, key, section):
    deal = small_deal(tmp_path, **{"dc_block_usd_per_kwh = 180\n": ""})
    deal.write_text(deal.read_text() + section)
    line = one_line_error(run("run", deal, "--no-report"))
    assert line.startswith(f"error: {deal}: {key}: "), line


# --- options --------------------------------------------------------------------------------

@pytest.mark.parametrize("args, option", [
    (["--power-mw", "0"], "--power-mw"),
    (["--energy-mwh", "0"], "--energy-mwh"),
    (["--rte", "1.5"], "--rte"),
    (["--power-mw", "nan"], "--power-mw"),
    (["--cycles-per-day", "-1"], "--cycles-per-day"),
])
def test_bad_dispatch_options_name_the_option(args, option):
    line = one_line_error(run("dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02",
                              *args))
    assert line.startswith(f"error: {option}:"), line


def _price_file(tmp_path, suffix: str, nan_every_day: bool = False):
    idx = pd.date_range("2024-01-01 06:00", periods=72, freq="h", tz="UTC")
    price = [20.0 + (i % 24) for i in range(72)]
    if nan_every_day:
        for d in range(3):
            price[d * 24 + 5] = float("nan")
    df = pd.DataFrame({"timestamp_utc": idx.tz_localize(None), "price": price})
    path = tmp_path / f"prices{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".pq", ".parquet", ".csv"])
def test_price_file_suffixes_like_the_api(tmp_path, suffix):
    path = _price_file(tmp_path, suffix)
    r = run("dispatch", path, "--iso", "ercot", "--energy-only", "--json",
            "--partial-year", "annualise")  # 72 hours: a part year needs the opt-in (issue 11)
    assert r.exit_code == ExitCode.OK, r.stderr
    assert json.loads(r.stdout)["hours"] == 72


def test_drop_days_that_drops_every_day(tmp_path):
    from bessfin.io import PriceDataError, read_prices

    path = _price_file(tmp_path, ".csv", nan_every_day=True)
    with pytest.raises(PriceDataError, match="no day left"):
        read_prices(path, "ercot", on_missing="drop-days")
    line = one_line_error(run("dispatch", path, "--iso", "ercot", "--on-missing", "drop-days"))
    assert str(path) in line and "no day left" in line and "3 day(s) dropped" in line


# --- outputs --------------------------------------------------------------------------------

def _dispatch_to(tmp_path, target):
    return run("dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02", "--energy-only",
               "--schedule-out", target)


def test_schedule_out_paths(tmp_path):
    line = one_line_error(_dispatch_to(tmp_path, tmp_path))
    assert "--schedule-out" in line and "is a directory" in line
    line = one_line_error(_dispatch_to(tmp_path, tmp_path / "nowhere" / "s.csv"))
    assert "--schedule-out" in line and "does not exist" in line
    afile = tmp_path / "afile"
    afile.write_text("x")
    line = one_line_error(_dispatch_to(tmp_path, afile / "s.csv"))
    assert "is not a directory" in line
    r = _dispatch_to(tmp_path, tmp_path / "ok.csv")
    assert r.exit_code == ExitCode.OK and (tmp_path / "ok.csv").stat().st_size > 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        line = one_line_error(_dispatch_to(tmp_path, ro / "s.csv"))
        assert "not writable" in line
    finally:
        ro.chmod(stat.S_IRWXU)


def test_read_only_directory_checked(tmp_path, monkeypatch):
    """Same check as above, made testable as root: the directory reports no write access."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(ro)
                        else real(p, mode))
    line = one_line_error(_dispatch_to(tmp_path, ro / "s.csv"))
    assert f"directory {ro} is not writable" in line
    deal = small_deal(tmp_path)
    line = one_line_error(run("run", deal, "--out", ro / "sub"))
    assert "--out" in line and "not writable" in line


def test_price_file_is_never_overwritten(tmp_path):
    path = _price_file(tmp_path, ".csv")
    before = path.read_bytes()
    line = one_line_error(run("dispatch", path, "--iso", "ercot", "--schedule-out",
                              tmp_path / "." / path.name))
    assert "would overwrite the input" in line
    assert path.read_bytes() == before


def test_run_out_that_is_a_file_and_compare_out(tmp_path):
    deal = small_deal(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("x")
    line = one_line_error(run("run", deal, "--out", afile))
    assert "--out" in line and "is a file; expected a directory" in line
    line = one_line_error(run("compare", deal, deal, "--out", afile))
    assert "--out" in line


def test_full_disk_is_one_line(tmp_path, monkeypatch):
    import pandas.core.generic

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(tmp_path / "s.csv"))

    monkeypatch.setattr(pandas.core.generic.NDFrame, "to_csv", full)
    line = one_line_error(_dispatch_to(tmp_path, tmp_path / "s.csv"))
    assert f"{tmp_path / 's.csv'}: cannot write: no space left on device" in line


def test_parity_unknown_names_name_the_option(tmp_path):
    deal = small_deal(tmp_path)
    line = one_line_error(run("parity", deal, "--tariff-scenario", "nope"))
    assert line.startswith("error: --tariff-scenario: unknown scenario 'nope'")
    line = one_line_error(run("parity", deal, "--options", "moon-import"))
    assert "unknown supply option 'moon-import'" in line


def test_parity_csv_paths(tmp_path):
    deal = small_deal(tmp_path)
    line = one_line_error(run("parity", deal, "--csv", tmp_path))
    assert "--csv" in line and "is a directory" in line
    line = one_line_error(run("parity", deal, "--csv", deal))
    assert "would overwrite the input" in line
    line = one_line_error(run("parity", deal, "--csv", tmp_path / "no" / "t.csv"))
    assert "does not exist" in line


def test_two_deal_names_that_slug_alike_get_distinct_files(tmp_path):
    from bessfin.cli.paths import file_stem

    stems = {file_stem(n) for n in ("Deal A", "deal a", "deal-a", "DEAL_A", "deal_a")}
    assert len(stems) == 5 and "deal_a" in stems
    out = tmp_path / "out"
    for name in ("Deal A", "deal a"):
        r = run("run", small_deal(tmp_path, name=name), "--mode", "screening",
                "--no-sensitivity", "--out", out)
        assert r.exit_code in (ExitCode.OK, ExitCode.CHECK_FAILED), r.stderr
    assert len(list(out.glob("*.html"))) == 2 and len(list(out.glob("*.xlsx"))) == 2


# --- exit codes -----------------------------------------------------------------------------

def test_unexpected_exception_is_exit_4_not_1(monkeypatch):
    import bessfin.cli.dispatch

    def boom(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(bessfin.cli.dispatch, "dispatch", boom)
    line = one_line_error(run("dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02"),
                          ExitCode.INTERNAL_ERROR)
    assert "internal error: ZeroDivisionError" in line and "--debug" in line
    r = run("--debug", "dispatch", "ercot 2024 HB_HOUSTON", "--end", "2024-01-02")
    assert isinstance(r.exception, ZeroDivisionError)  # --debug keeps the traceback


def test_exit_codes_are_documented():
    text = (__import__("pathlib").Path(__file__).parents[1] / "docs" / "deals.md").read_text()
    for code in ExitCode:
        assert f"| {int(code)} |" in text, code


# --- injection ------------------------------------------------------------------------------

def test_formula_deal_name_is_text_in_excel(tmp_path):
    name = "=HYPERLINK(\"http://x\",\"y\")+1"
    deal = small_deal(tmp_path, name=name)
    out = tmp_path / "out"
    r = run("run", deal, "--mode", "screening", "--no-sensitivity", "--out", out)
    assert r.exit_code in (ExitCode.OK, ExitCode.CHECK_FAILED), r.stderr
    (xlsx,) = out.glob("*.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)
    formulas = [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas and not any("HYPERLINK" in str(c.value) for c in formulas)


def test_run_json_names_the_tornado_mode_and_refuses_an_unknown_one(tmp_path):
    deal = small_deal(tmp_path)
    line = one_line_error(run("run", deal, "--tornado-mode", "exact", "--no-report"))
    assert line.startswith("error: --tornado-mode must be full or screening"), line
    r = run("run", deal, "--no-report", "--no-ladder", "--json")
    assert r.exit_code in (ExitCode.OK, ExitCode.CHECK_FAILED), r.stderr
    data = json.loads(r.stdout)
    tor = data["tornado"]
    assert tor["mode"] == "screening" and tor["metric"] == "project_irr_after_tax"
    bars = {b["parameter"]: b for b in tor["bars"]}
    for b in bars.values():  # the summary rounds to 1e-6
        assert b["base_value"] == pytest.approx(data["project_irr_after_tax"], abs=1e-6)
    assert bars["price level"]["low_method"] == "screening delta"
    assert bars["capex"]["high_method"] == "revalued"
    assert bars["price level"]["low_value"] < data["project_irr_after_tax"]
    assert data["price_year_distribution"]["note"] == ""


@pytest.mark.parametrize("bad", ["0", "-2"])
def test_run_refuses_a_worker_count_below_one(tmp_path, bad):
    deal = small_deal(tmp_path)
    line = one_line_error(run("run", deal, "--workers", bad, "--no-report"))
    assert line.startswith(f"error: --workers must be >= 1, got {bad}"), line


@pytest.mark.parametrize("args", [("run", "--workers", "abc"), ("run", "--workers", "1.5")])
def test_a_mistyped_option_is_a_usage_error_not_a_bug(tmp_path, args):
    """typer's own parse errors (it ships its own click) exit 2 naming the option."""
    cmd, *opts = args
    r = run(cmd, small_deal(tmp_path), *opts)
    assert r.exit_code == ExitCode.BAD_INPUT, r.output
    assert "--workers" in r.output and "internal error" not in r.output
