"""``python -m successgaps_lib.cli``: the same as the ``successgaps`` command."""

import sys

from . import main

sys.exit(main())
