"""The ``mutual`` command line."""
