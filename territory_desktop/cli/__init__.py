"""``tdesk``: the headless command line over the same core as the app.

Errors print one line (``error: ...``) on stderr and exit with status 2.

One module per group of subcommands, each with ``register(subparsers)``: ``plan`` (create,
info, schedule), ``calendar`` (plan calendar), ``design`` (plan balance, compare, summary,
units), ``health`` (plan import-results, health; snapshot and snapshots from
``health_snapshots``), ``routing`` (network build, matrix, route), ``pvrp`` and ``exports``
(export, import). A new command goes into the module of its group, or a new module registered
here.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_ERROR = 2


class _OneLineErrors(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error."""

    def error(self, message: str) -> NoReturn:
        """Print ``error: <command>: <message>`` and where to read more; exit with status 2."""
        self.exit(EXIT_ERROR, f"error: {self.prog}: {' '.join(message.split())} "
                              f"(see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``tdesk`` argument parser with every subcommand registered."""
    from territory_desktop.cli import calendar, design, exports, health, plan, pvrp, routing

    parser: argparse.ArgumentParser = _OneLineErrors(prog="tdesk",
                                                     description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    plan_sub = sub.add_parser("plan", help="create and inspect plan files").add_subparsers(
        dest="plan_command", required=True)
    plan.register(plan_sub)
    calendar.register(plan_sub)
    design.register(plan_sub)
    health.register(plan_sub)
    routing.register(sub)
    pvrp.register(sub)
    exports.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tdesk``; returns the process exit status."""
    from territory_desktop.geo.polygons import GeometryError
    from territory_desktop.model import PlanError

    args = build_parser().parse_args(argv)
    from territory_desktop.io.planfile import PlanFileError
    from territory_desktop.io.tables import ImportFileError
    from territory_desktop.optimize.rotation import RotationError
    from territory_desktop.routing import RoutingError

    known = (OSError, PlanError, GeometryError, PlanFileError, ImportFileError, RoutingError,
             RotationError)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, where a closed reader is caught, not at exit
        return code
    except BrokenPipeError:  # the reader stopped reading (tdesk ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except known as exc:
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)  # always one line
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
