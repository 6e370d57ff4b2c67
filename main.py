"""Entry point for the desktop app (also what PyInstaller freezes)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from territory_desktop.app import main

    sys.exit(main())
