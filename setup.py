"""Package discovery for setuptools; all other metadata lives in pyproject.toml.

Every sub-package of ``bessfin/`` is found by ``find_packages`` (no hand-kept list). The shipped
prices stay in the project's top-level ``market_data/`` folder and install as the
``bessfin.market_data`` package, a mapping that ``[tool.setuptools.packages.find]`` cannot express.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bessfin", "bessfin.*"]), "bessfin.market_data"],
    package_dir={"bessfin.market_data": "market_data"},
)
