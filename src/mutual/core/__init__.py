"""The pure domain core: ledger rules with no I/O, no clock and no randomness.

Everything here imports only the standard library, ``cryptography`` and ``rfc8785``,
so that the HTTP layer, the store, the CLI and the offline verifier all share one
definition of what a valid ledger is.
"""
