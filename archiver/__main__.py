"""``python -m archiver`` runs the command-line interface."""

from archiver.cli import cli

cli()
