"""``python -m mdesrules``: the ``mdesrules`` command, where the console script is not installed."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
