"""mutual: time bank and mutualisation ledger for territories of co-responsibility."""

__version__ = "0.1.0"
