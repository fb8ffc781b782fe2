"""The ``bessfin`` command line. One module per command group registers on :data:`app`."""

from bessfin.cli import backcast as _backcast  # noqa: F401  (registers commands)
from bessfin.cli import crosscheck as _crosscheck  # noqa: F401
from bessfin.cli import deals as _deals  # noqa: F401
from bessfin.cli import dispatch as _dispatch  # noqa: F401
from bessfin.cli import parity as _parity  # noqa: F401
from bessfin.cli import screen as _screen  # noqa: F401
from bessfin.cli.common import ExitCode, app

__all__ = ["ExitCode", "app"]
