"""Entry point for the desktop app (also what PyInstaller freezes)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    # Before numba is imported: a frozen build keeps compiled kernels per user, not per folder.
    from territory_desktop.kernel_cache import configure

    configure()
    from territory_desktop.app import main

    sys.exit(main())
