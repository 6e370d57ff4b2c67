r"""Save a screenshot of the main window on a plan (default: the bundled sample) for the README.

    QT_QPA_PLATFORM=offscreen QTWEBENGINE_DISABLE_SANDBOX=1 \
        python scripts/screenshot.py OUT.png [PLAN] [--rotation TERRITORY_ID]

``--rotation`` selects the territory, schedules its rep with Ctrl+Shift+P's action and shows the
Rotation tab with week 1's Monday route drawn (``docs/rotation.png``: ``--rotation T1``).
``--design`` shows the Design panel (View > Design) once its figures are on road drive times.
``--scenarios`` saves the sample as a scenario, auto-balances it, saves that too and shows the
Scenarios panel comparing the two, with the accounts that change owner ringed on the map.
``--health KPI`` loads the sample's CRM results in the Health panel and colours the map by that
KPI (e.g. ``win_rate``), accounts sized by ``--size-by`` (potential or pipeline).
``--units KIND`` shows the built-in ``zcta``, ``county`` or ``state`` units over the plan
(View > Geographic units), its first territory selected (``docs/units.png``: a plan built
with ``tdesk plan units PLAN --layer zcta -o PLAN2``, then ``--units zcta``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer

from territory_desktop import app as appmod
from territory_desktop.qt.application import create_application


def main() -> int:
    """Open the plan, wait for the map, save the window as a PNG; return the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("plan", type=Path, nargs="?")
    ap.add_argument("--rotation", metavar="TERRITORY_ID")
    ap.add_argument("--design", action="store_true")
    ap.add_argument("--scenarios", action="store_true")
    ap.add_argument("--health", metavar="KPI")
    ap.add_argument("--size-by", choices=("potential", "pipeline"))
    ap.add_argument("--units", choices=("zcta", "county", "state"))
    args = ap.parse_args()
    qapp = create_application(sys.argv[:1])
    tmp = Path(tempfile.mkdtemp())
    built = appmod.build(settings_file=tmp / "settings.ini", data_dir=tmp / "data")
    if args.plan:
        built.files.open_path(args.plan.resolve(), confirmed=True)
    else:
        built.files.open_sample(confirmed=True)
    window = built.window
    window.resize(1400, 880)
    window.show()

    def shoot() -> None:
        window.grab().save(str(args.out))
        built.document.undo_stack.setClean()
        qapp.quit()

    def scheduled(rep_id: str) -> None:
        panel = window.rotation_panel
        monday = min(panel.days)
        panel.days[monday].setCurrentRow(0)  # a click on the day draws its route
        QTimer.singleShot(3000, shoot)

    def design_shown() -> None:
        figures = window.design.figures
        if figures is None or figures.times.source != "road":
            return
        if not args.scenarios:
            QTimer.singleShot(1000, shoot)
            return
        window.design.panel.figures_shown.disconnect(design_shown)
        from territory_desktop.optimize.balance import BalanceParams

        scenarios = window.design.scenarios
        scenarios.save_current_as("As shipped")
        window.design.balanced.connect(balanced)
        window.design._run_balance(BalanceParams())

    def balanced(_result: object) -> None:
        scenarios = window.design.scenarios
        scenarios.save_current_as("Balanced")
        scenarios.before.setCurrentIndex(scenarios.before.findText("As shipped"))
        scenarios.after.setCurrentIndex(scenarios.after.findText("Balanced"))
        scenarios.compared.connect(compared)
        window.design.show_scenarios()
        scenarios.compare()

    def compared(_report: object) -> None:
        window.design.scenarios.highlight_moves()
        QTimer.singleShot(2000, shoot)

    def health_shown() -> None:
        controls = built.health_map
        controls.size_by.setCurrentIndex(controls.size_by.findData(args.size_by))
        controls.kpi.setCurrentIndex(controls.kpi.findData(args.health))
        QTimer.singleShot(3000, shoot)

    def first_paint() -> None:
        if args.health:
            from territory_desktop.resources import resource_path

            results = resource_path("sample", "results")
            window.show_health()
            window.health.report_shown.connect(health_shown,
                                               type=Qt.ConnectionType.SingleShotConnection)
            window.health.load(results / "opportunities.csv", results / "quotas.csv",
                               results / "activities.csv")
            return
        if args.design or args.scenarios:
            window.design.panel.figures_shown.connect(design_shown)
            window.actions["view.design"].trigger()
            return
        if not args.rotation:
            QTimer.singleShot(1500, shoot)
            return
        window.select_territories([args.rotation])
        window.rotation.schedule_ready.connect(scheduled)
        window.actions["rotation.schedule"].trigger()

    def show_units() -> None:
        window.select_territories(list(built.document.plan.territories)[:1])
        window.units.layer_shown.connect(lambda _n: QTimer.singleShot(2500, shoot))
        window.actions[f"view.units_{args.units}"].trigger()

    if args.units:  # a plan without an extract has no basemap job to wait for
        built.map_view.page_ready.connect(lambda: QTimer.singleShot(2000, show_units))
        QTimer.singleShot(60_000, shoot)
        return qapp.exec()
    # wait for the basemap worker and two paints after it
    window.work_finished.connect(lambda: QTimer.singleShot(0, first_paint),
                                 type=Qt.ConnectionType.SingleShotConnection)
    QTimer.singleShot(60_000, shoot)
    return qapp.exec()


if __name__ == "__main__":
    sys.exit(main())
