"""A per-deal worker function for tests: the deal with id ``boom`` kills its own worker
process with SIGKILL (as the OOM killer would); every other deal runs normally."""

from __future__ import annotations

import os
import signal
from typing import Any

from bessfin.screen.spec import DealSpec
from bessfin.screen.worker import screen_one


def screen_one_or_die(spec: DealSpec, threads: int) -> dict[str, Any]:
    if spec.id == "boom":
        os.kill(os.getpid(), signal.SIGKILL)
    return screen_one(spec, threads)
