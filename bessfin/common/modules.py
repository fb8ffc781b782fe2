"""Module plumbing: a package callable like its main function (``bessfin.screen(deals)``: the
package stays a package and the notebook face keeps one short name), and spawning worker
processes without re-running the job's ``__main__``."""

from __future__ import annotations

import contextlib
import sys
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any


def make_callable(module_name: str, fn: Callable[..., Any]) -> None:
    """Make the module ``module_name`` call ``fn`` when called."""

    class _CallableModule(types.ModuleType):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return fn(*args, **kwargs)

    _CallableModule.__doc__ = f"This package, callable as :func:`{fn.__module__}.{fn.__name__}`."
    sys.modules[module_name].__class__ = _CallableModule


#: ``main_not_rerun`` blocks open now (any thread), and what they hid from ``__main__``.
_HIDDEN: dict[str, Any] = {"depth": 0, "saved": {}}
_HIDDEN_LOCK = threading.Lock()


@contextlib.contextmanager
def main_not_rerun() -> Iterator[None]:
    """While processes are spawned inside this block, they do not import the job's
    ``__main__`` again (``spawn`` would: the ``bessfin`` console script imports the whole CLI,
    ~1 s per worker, and an unguarded user script would run again in every worker). Only for
    workers that run bessfin's own functions on bessfin's own objects: a class defined in the
    job's ``__main__`` cannot be unpickled there. Blocks may overlap (threads): ``__main__``
    is hidden from the first entry to the last exit."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _HIDDEN_LOCK:
        if _HIDDEN["depth"] == 0:
            _HIDDEN["saved"] = {k: main.__dict__[k] for k in ("__file__", "__spec__")
                                if k in main.__dict__}
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        _HIDDEN["depth"] += 1
    try:
        yield
    finally:
        with _HIDDEN_LOCK:
            _HIDDEN["depth"] -= 1
            if _HIDDEN["depth"] == 0:
                main.__dict__.pop("__spec__", None)
                main.__dict__.update(_HIDDEN["saved"])
