"""Account assignments for the CRM: account id, territory, owner rep, and what changed.

Ids are written exactly as the accounts came in (text cells in XLSX, no number conversion in
CSV). Given the previous alignment (an earlier plan), each row also carries the previous
territory and owner, and rows whose owner changed carry the effective date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from territory_desktop.io.exports._files import ExportError, write_csv, write_xlsx
from territory_desktop.model import Plan


def assignment_rows(plan: Plan, previous: Plan | None = None,
                    effective: dt.date | None = None) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per account, in plan order."""
    from territory_desktop.geo.assignment import assign_accounts

    if previous is not None and effective is None:
        raise ExportError("a previous alignment needs the date the new one takes effect")
    header = ["Account ID", "Account name", "Territory ID", "Territory", "Owner rep ID"]
    current = assign_accounts(plan).territory_of
    before: dict[str, str | None] = {}
    if previous is not None:
        header += ["Previous territory ID", "Previous owner rep ID", "Owner changed",
                   "Effective date"]
        before = assign_accounts(previous).territory_of
    rows: list[list[Any]] = []
    for aid, account in plan.accounts.items():
        tid = current.get(aid)
        territory = plan.territories.get(tid) if tid else None
        owner = territory.rep_id if territory else None
        row: list[Any] = [aid, account.name, tid or "", territory.name if territory else "",
                          owner or ""]
        if previous is not None:
            old_tid = before.get(aid)
            old = previous.territories.get(old_tid) if old_tid else None
            old_owner = old.rep_id if old else None
            changed = (old_owner or "") != (owner or "")
            row += [old_tid or "", old_owner or "", "yes" if changed else "no",
                    effective if changed else None]
        rows.append(row)
    return header, rows


def write_assignments(plan: Plan, path: Path, fmt: str, previous: Plan | None = None,
                      effective: dt.date | None = None) -> int:
    """Write the assignment table as CSV or XLSX; returns the number of accounts."""
    header, rows = assignment_rows(plan, previous, effective)
    if fmt == "csv":
        write_csv(path, header, rows)
    elif fmt == "xlsx":
        write_xlsx(path, [("Assignments", header, rows, [])])
    else:
        raise ExportError(f"assignments are csv or xlsx, not {fmt!r}")
    return len(rows)
