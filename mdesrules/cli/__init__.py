"""Command line interface: ``mdesrules check`` and ``mdesrules rules``."""
