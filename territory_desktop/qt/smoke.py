"""``territory-desktop --smoke``: the (frozen) app proves, end to end, that it works, then exits.

``installers/smoke_test.sh`` runs it headless (``QT_QPA_PLATFORM=offscreen``) in the built
bundle and in the installed ``.deb``. The steps, each with a time limit, go through the same
objects a user's gestures reach:

1. open the bundled sample plan and wait until the map page has drawn every territory and
   account Python sent (counted inside the page, through its own state);
2. compute a drive-time matrix between all accounts: the road network is compiled from the
   sample's extract on a fresh install and loaded from the data folder after that;
3. schedule one rep's rotation (the mapped territory's rep with the fewest accounts) through
   the window's rotation controller;
4. save the plan to a temporary file, reopen it and check that it came back whole;
5. export the territories as a Shapefile, a KML file and a GeoPackage, read them back, and
   read the Shapefile as a unit layer (the app's own GIS readers and writers, no GDAL);
6. text: accented names sort with their letters (Qt's collation, the bundle's trimmed ICU
   data), upper-casing and a Windows code page work, an English time-zone name comes out,
   and an accounts CSV in Windows-1252 and one in UTF-16 import with their accents.

Every step prints ``smoke: <step> ...`` with its figures on stdout; the run ends with
``smoke: OK`` (exit 0) or ``smoke: FAIL <reason>`` (exit 1). A dialog popping up is a failure
too, with its text as the reason. The settings file is temporary; the data folder (compiled
networks) is the user's, as in a real launch, so a second launch reuses it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, QThreadPool, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

__all__ = ["SmokeFailure", "run_smoke"]

STEP_TIMEOUT_S = 180.0  # generous: CI machines are shared; the goals are checked by the script
SCHEDULE_SECONDS = 2.0  # the rotation engine's time limit for the one rep


class SmokeFailure(Exception):
    """A smoke step failed; the message is the reason printed."""


def _say(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def process_age() -> float | None:
    """Seconds since this process started (Linux ``/proc``), or None where unknown."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def kernel_stats() -> str:
    """Where the routing kernels came from, and what numba compiled or loaded so far.

    A bundle runs the kernels compiled ahead of time, without numba; a checkout numba's JIT.
    """
    from territory_desktop.routing import cch

    hits = misses = 0
    for obj in vars(cch).values():
        stats = getattr(obj, "stats", None)
        if stats is not None and hasattr(obj, "py_func"):
            hits += sum(stats.cache_hits.values())
            misses += sum(stats.cache_misses.values())
    source = "jit" if "numba" in sys.modules else "ahead-of-time"
    return f"kernels {source} kernels_compiled {misses} kernels_from_cache {hits}"


class _Smoke:
    def __init__(self, qapp: QApplication, app: Any, tmp: Path) -> None:
        # app: territory_desktop.app.App, the layer above qt/ (not imported here)
        self.qapp = qapp
        self.app = app
        self.tmp = tmp
        self.drawn: list[int] = []
        app.map_view.layers_shown.connect(self.drawn.append)

    # ----------------------------------------------------------------- waiting
    def wait(self, done: Callable[[], Any], what: str) -> Any:
        """Run the event loop until ``done()`` is truthy; fail on a dialog or the time limit."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        loop = QEventLoop()
        while not (result := done()):
            self.check_dialogs()
            if time.monotonic() > deadline:
                raise SmokeFailure(f"timed out after {STEP_TIMEOUT_S:.0f} s waiting for {what}")
            QTimer.singleShot(25, loop.quit)
            loop.exec()
        self.check_dialogs()
        return result

    def check_dialogs(self) -> None:
        """Any dialog on screen means something went wrong (errors open a message box)."""
        for widget in self.qapp.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                text = widget.text() if isinstance(widget, QMessageBox) else ""
                raise SmokeFailure(f"a dialog appeared: {widget.windowTitle()!r} {text!r}")

    def page_counts(self) -> dict[str, int]:
        """Return what the map page holds, asked of the page itself."""
        answer: list[Any] = []
        self.app.map_view.run_js(
            "{territories: Object.keys(TD.state.territoryById).length,"
            " accounts: TD.state.accounts.count}", answer.append)
        counts = self.wait(lambda: answer, "the map page to answer")[0]
        if not isinstance(counts, dict):
            raise SmokeFailure(f"the map page answered {counts!r}")
        return counts

    # ----------------------------------------------------------------- steps
    def open_and_draw(self) -> None:
        from territory_desktop.mapping import layers

        window, files = self.app.window, self.app.files
        window.show()
        if not files.open_sample(confirmed=True):
            raise SmokeFailure("the sample plan did not open")
        self.wait(lambda: self.app.map_view.is_ready and self.drawn, "the map to be drawn")
        plan, assignment = self.app.document.plan, self.app.document.assignment
        sent = {"territories": len(layers.territories_collection(plan, assignment)["features"]),
                "accounts": len(layers.account_points(plan, assignment))}
        drawn = self.page_counts()
        if drawn != sent or not all(sent.values()):
            raise SmokeFailure(f"the map page drew {drawn}, Python sent {sent}")
        age = process_age()
        _say(f"map drawn: {drawn['territories']} territories, {drawn['accounts']} accounts; "
             f"start_to_map_s {'n/a' if age is None else f'{age:.2f}'}")

    def matrix(self) -> None:
        from territory_desktop.routing import travel_matrix

        routing = self.app.window.routing
        plan = self.app.document.plan
        start = time.monotonic()
        routing.ensure_network()
        network = self.wait(lambda: routing.network, "the road network")
        ready = time.monotonic()
        points = [(a.lat, a.lon) for a in plan.accounts.values()]
        result = travel_matrix(network, points)
        done = time.monotonic()
        n = len(points)
        seconds = result.seconds
        reached = float((seconds < float("inf")).mean()) if n else 0.0
        if seconds.shape != (n, n) or n < 2 or reached < 0.9 or seconds.diagonal().any():
            raise SmokeFailure(f"implausible {seconds.shape} matrix: {reached:.0%} of pairs "
                               "reachable, or a non-zero diagonal")
        _say(f"matrix {n}x{n} first_matrix_s {done - start:.2f} (network ready "
             f"{ready - start:.2f} s, matrix {done - ready:.2f} s); {reached:.1%} of pairs "
             f"reachable; {kernel_stats()}")

    def schedule(self) -> None:
        window, document = self.app.window, self.app.document
        plan = document.plan
        load = {t.rep_id: 0 for t in plan.territories.values()
                if t.rep_id in plan.reps and t.geometry is not None}
        for account_id, territory_id in document.assignment.territory_of.items():
            rep = plan.territories[territory_id].rep_id if territory_id else None
            if rep in load and account_id in plan.accounts:
                load[rep] += 1
        if not load:
            raise SmokeFailure("no rep of the sample owns a territory")
        rep_id = min(load, key=lambda r: (load[r] == 0, load[r], r))
        ready: list[str] = []
        window.rotation.schedule_ready.connect(ready.append)
        start = time.monotonic()
        window.rotation.schedule(rep_id, seconds=SCHEDULE_SECONDS, seed=0)
        self.wait(lambda: rep_id in ready, f"{rep_id}'s rotation")
        visits = len(document.plan.schedules[rep_id].visits)
        if not visits:
            raise SmokeFailure(f"{rep_id}'s rotation has no visits")
        _say(f"scheduled {rep_id}: {visits} visits for {load[rep_id]} accounts in "
             f"{time.monotonic() - start:.2f} s")

    def save_and_reopen(self) -> None:
        files, document = self.app.files, self.app.document
        before = _summary(document.plan)
        path = self.tmp / "smoke-plan.gpkg"
        if not files.save_to(path):
            raise SmokeFailure(f"saving {path} failed")
        self.drawn.clear()
        if not files.open_path(path, confirmed=True):
            raise SmokeFailure(f"reopening {path} failed")
        self.wait(lambda: self.drawn, "the reopened plan to be drawn")
        after = _summary(document.plan)
        if after != before or document.path != path.resolve():
            raise SmokeFailure(f"the reopened plan differs: saved {before}, read {after}")
        _say(f"saved and reopened {path.name} ({path.stat().st_size:,} bytes): {after}")

    def export_gis(self) -> None:
        """Export the territories for GIS tools, read them back, and read one file as units."""
        from territory_desktop.geo.units import read_unit_file
        from territory_desktop.io.exports.gis import read_territories, write_territories

        drawn = [t for t in self.app.document.plan.territories.values() if t.geometry is not None]
        for fmt in ("shp", "kml", "gpkg"):
            path = self.tmp / f"smoke-territories.{fmt}"
            write_territories(drawn, path, fmt)
            prj = path.with_suffix(".prj")  # written from EPSG:4326 by PROJ's database
            if fmt == "shp" and "WGS" not in (prj.read_text() if prj.is_file() else ""):
                raise SmokeFailure(f"{path.name} has no WGS84 {prj.suffix} beside it")
            back = read_territories(path)
            if sorted(t.id for t in back.territories) != sorted(t.id for t in drawn):
                raise SmokeFailure(f"{path.name} read back {len(back.territories)} of "
                                   f"{len(drawn)} territories: {back.problems[:3]}")
        units = read_unit_file(self.tmp / "smoke-territories.shp", id_field="id")
        if sorted(units.ids) != sorted(t.id for t in drawn):
            raise SmokeFailure(f"smoke-territories.shp read as {len(units)} units, not "
                               f"{len(drawn)}: {[str(p) for p in units.problems[:3]]}")
        _say(f"exported {len(drawn)} territories as Shapefile, KML and GeoPackage, read them "
             f"back, and read the Shapefile as {len(units)} units")

    def text(self) -> None:
        """Check the text features that rest on ICU's data and on Python's codecs."""
        from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone

        from territory_desktop.io.tables.importing import import_accounts

        names = ["Zoë Café", "zebra", "Émile", "eclair", "Ärzte", "Arzt", "apple"]
        order = sorted(names, key=QCollator(QLocale("en_US")).sortKey)
        if order != ["apple", "Arzt", "Ärzte", "eclair", "Émile", "zebra", "Zoë Café"]:
            raise SmokeFailure(f"accented names sort wrongly: {order}")
        upper = QLocale("en_US").toUpper("straße")
        zone = QTimeZone(b"America/New_York").displayName(
            QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale("en_US"))
        if upper != "STRASSE" or zone != "Eastern Standard Time" or not QStringDecoder(
                "windows-1252").isValid():
            raise SmokeFailure(f"text: upper-case {upper!r}, time zone {zone!r}, "
                               f"windows-1252 {QStringDecoder('windows-1252').isValid()}")
        page: list[Any] = []  # the map page's own ICU (Chromium's icudtl.dat)
        self.app.map_view.run_js(
            "[new Date(Date.UTC(2026, 11, 7, 15, 30)).toLocaleString('en-US', {timeZone: "
            "'America/Los_Angeles', timeZoneName: 'long'}), (1234.5).toLocaleString('en-US'),"
            " ['Zoë', 'zebra', 'Émile', 'apple'].sort((a, b) => a.localeCompare(b, 'en'))]",
            page.append)
        answer = self.wait(lambda: page, "the map page to answer")[0]
        if answer != ["12/7/2026, 7:30:00 AM Pacific Standard Time", "1,234.5",
                      ["apple", "Émile", "zebra", "Zoë"]]:
            raise SmokeFailure(f"the map page formats and sorts wrongly: {answer}")
        rows = "id,name,lat,lon\nA1,Zoë Café,39.29,-76.61\nA2,Ärzte Süd,39.30,-76.60\n"
        for encoding in ("cp1252", "utf-16"):
            path = self.tmp / f"accounts-{encoding}.csv"
            path.write_bytes(rows.encode(encoding))
            got = sorted(a.name for a in import_accounts(path).accounts)
            if got != ["Zoë Café", "Ärzte Süd"]:
                raise SmokeFailure(f"{path.name} imported as {got}")
        _say(f"text: {len(names)} accented names sorted, upper-case, time zone, "
             "CSV in Windows-1252 and UTF-16 imported; the map page's dates, numbers and "
             "sorting in English")

    def holidays(self) -> None:
        """Check each offered country's public holidays load, with English names."""
        import datetime as dt

        from territory_desktop.model.public_holidays import COUNTRIES, public_holidays

        christmas = dt.date(2026, 12, 25)
        found = {code: dict(public_holidays(code, [2026])) for code in COUNTRIES}
        wrong = {code: days.get(christmas) for code, days in found.items()
                 if days.get(christmas) != "Christmas Day"}
        if wrong:
            raise SmokeFailure(f"25 Dec 2026 is not named Christmas Day in: {wrong}")
        _say("public holidays 2026: " + ", ".join(f"{code} {len(days)}"
                                                  for code, days in found.items()))

    def run(self) -> None:
        self.open_and_draw()
        self.matrix()
        self.schedule()
        self.save_and_reopen()
        self.export_gis()
        self.text()
        self.holidays()


def _summary(plan: Any) -> dict[str, int]:
    return {"accounts": len(plan.accounts), "territories": len(plan.territories),
            "reps": len(plan.reps),
            "visits": sum(len(s.visits) for s in plan.schedules.values())}


def run_smoke(qapp: QApplication, build: Callable[..., Any]) -> int:
    """Run the smoke test in the window ``build`` makes; return the exit status.

    ``build`` is ``territory_desktop.app.build``, passed in: qt/ does not import the layer
    above it.
    """
    import shiboken6

    with tempfile.TemporaryDirectory(prefix="territory-smoke-") as tmp:
        app = build(settings_file=Path(tmp) / "settings.ini")
        code = 1
        try:
            _Smoke(qapp, app, Path(tmp)).run()
            code = 0
        except SmokeFailure as exc:
            _say(f"FAIL {exc}")
        except Exception as exc:  # anything unexpected is a failure with its reason, not a hang
            traceback.print_exc(file=sys.stdout)
            _say(f"FAIL {type(exc).__name__}: {exc}")
        finally:
            app.document.undo_stack.setClean()  # never ask about unsaved changes here
            app.window.close()
            if not QThreadPool.globalInstance().waitForDone(30_000):
                _say("FAIL a background job was still running 30 s after closing")
                code = 1
            shiboken6.delete(app.window)  # the page before its profile: no teardown warnings
    if code == 0:
        _say("OK")
    return code
