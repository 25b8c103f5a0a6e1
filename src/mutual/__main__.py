"""``python -m mutual`` is the ``mutual`` command."""

from mutual.cli.main import cli

cli()
