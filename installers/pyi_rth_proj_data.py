"""PyInstaller runtime hook: GDAL (pyogrio's wheel) finds PROJ's data in pyproj's copy.

Both wheels carry the same PROJ release (the spec checks), so the bundle ships one proj.db.
pyogrio looks for its own copy first, then lets PROJ read ``PROJ_DATA``; set it always, so a
PROJ_DATA of another PROJ on the user's machine cannot pair GDAL with a foreign database.
"""

import os
import sys

os.environ["PROJ_DATA"] = os.path.join(sys._MEIPASS, "pyproj", "proj_dir", "share", "proj")
