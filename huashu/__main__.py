"""``python -m huashu`` is the ``huashu`` command."""

import sys

from .cli import main

sys.exit(main())
