"""SPP's shipped file (1 Feb - 31 Mar 2022, partial) serves dispatch examples."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bessfin.cli import app
from bessfin.dispatch import Battery, dispatch


def test_spp_dispatch_example_in_python() -> None:
    r = dispatch("spp 2022 SPPNORTH_HUB", Battery(power_mw=10, energy_mwh=20),
                 start="2022-02-01", end="2022-04-01")
    assert r.total_revenue > 0
    s = r.schedule
    # ramp products are not offered before 2022-03-01: no award there, some after
    feb = s.index.tz_convert("America/Chicago") < "2022-03-01"
    assert s.loc[feb, "ramp_up_mw"].abs().max() == 0.0
    assert len(s) == 1415


def test_spp_dispatch_example_on_the_cli() -> None:
    r = CliRunner().invoke(app, ["dispatch", "spp 2022 SPPSOUTH_HUB", "--start", "2022-02-01",
                                 "--end", "2022-04-01", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["market"] == "SPP" and data["hours"] == 1415 and data["revenue_total_usd"] > 0
