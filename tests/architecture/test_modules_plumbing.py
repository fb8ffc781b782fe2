"""Module plumbing (bessfin.common.modules, the lazy top-level package)."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

from bessfin.common.modules import main_not_rerun

ROOT = Path(__file__).resolve().parents[2]


def test_overlapping_blocks_hide_main_until_the_last_exit():
    main = sys.modules["__main__"]
    before = (main.__dict__.get("__file__"), main.__dict__.get("__spec__"))
    a, b = main_not_rerun(), main_not_rerun()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)  # another thread's block is still open
    assert main.__dict__.get("__spec__") is None and "__file__" not in main.__dict__
    b.__exit__(None, None, None)
    assert (main.__dict__.get("__file__"), main.__dict__.get("__spec__")) == before


def test_only_bessfin_functions_spawn_without_main(tmp_path):
    from bessfin.screen import ProcessBackend
    from bessfin.screen.worker import screen_one

    for fn, hidden in ((screen_one, True), (functools.partial(screen_one), False)):
        backend = ProcessBackend(1, fn=fn)
        try:
            with backend._spawning():
                assert ("__file__" not in sys.modules["__main__"].__dict__) is hidden
        finally:
            backend.close()


def test_import_bessfin_keeps_its_face():
    """A fresh ``import bessfin``: subpackages and the notebook names as attributes,
    ``bessfin.dispatch`` the (picklable) function, ``bessfin.screen`` callable."""
    code = (
        "import bessfin, pickle, inspect\n"
        "assert bessfin.io.read_prices and bessfin.finance and bessfin.markets\n"
        "assert callable(bessfin.screen) and bessfin.Deal and bessfin.run and bessfin.tornado\n"
        "assert inspect.isfunction(bessfin.dispatch)\n"
        "assert pickle.loads(pickle.dumps(bessfin.dispatch)) is bessfin.dispatch\n"
        "from bessfin import dispatch, screen, compare\n"
        "assert 'finance' in dir(bessfin)\n"
        "try:\n"
        "    bessfin.no_such_name\n"
        "except AttributeError:\n"
        "    print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.strip() == "ok", r.stderr[-2000:]


def test_a_screened_deal_loads_neither_pyomo_environ_nor_scipy():
    """A screening worker's deal (dispatch, finance, IRR) in a fresh process runs on
    ``pyomo.core`` and numpy alone: ``pyomo.environ`` (solver plugins) and scipy (which Pyomo
    then completes with ``scipy.stats``) cost ~0.5 s per worker between them
    (docs/performance.md)."""
    code = (
        "import sys\n"
        "from bessfin.screen import load_portfolio\n"
        "from bessfin.screen.worker import screen_one\n"
        "spec = load_portfolio('examples/portfolio.toml').specs[0]\n"
        "row = screen_one(spec)\n"
        "assert row['status'] == 'ok', row['message']\n"
        "print(sorted(m for m in ('pyomo.environ', 'scipy') if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    assert r.stdout.strip() == "[]", (r.stdout, r.stderr[-2000:])
