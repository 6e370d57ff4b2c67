"""``python -m territory_desktop`` is the ``tdesk`` command line."""

import sys

from territory_desktop.cli import main

sys.exit(main())
