"""bessfin: grid-scale battery dispatch, project finance and supply-chain parity."""

__version__ = "0.1.0"
