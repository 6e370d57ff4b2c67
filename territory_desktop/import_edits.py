"""Imports as edits: accounts, reps and territories read from files, added or updated by id.

An update of an existing record keeps what the file does not supply (the fields only the app
sets, and for accounts every field the file's columns do not map).
"""

from __future__ import annotations

from collections.abc import Iterable

from territory_desktop.edits import Edit
from territory_desktop.model.plan import Account, Plan, Rep, Territory, replace
from territory_desktop.model.shared import SharedDict

# The rep fields that only the app sets: a spreadsheet import never carries them, so updating
# an existing rep by id keeps what the user set here.
APP_ONLY_REP_FIELDS = ("workday_start", "workday_end", "max_day_minutes", "days_off",
                       "home_office")
# The account fields a table can supply, and their names in the import note; the others (time
# window, closed weekdays, same weekday) only the app sets.
IMPORTED_ACCOUNT_FIELDS = {
    "name": "name", "lat": "location", "lon": "location", "approximate_location": "location",
    "address": "address", "postal_code": "postal code", "segment": "segment",
    "industry": "industry", "potential": "potential", "tier": "tier",
    "every_weeks": "visit interval", "visit_minutes": "visit minutes", "owner": "owner",
    "notes": "notes",
}


def _keep_app_fields(old: object | None, new: object, names: tuple[str, ...]) -> object:
    if old is None:
        return new
    return replace(new, **{n: getattr(old, n) for n in names})


def import_accounts(plan: Plan, accounts: Iterable[Account], replace_all: bool = False,
                    fields: Iterable[str] | None = None) -> Edit:
    """Add (or update by id) imported accounts; ``replace_all`` drops the others first.

    ``fields`` are the account fields the file supplies (its mapped columns; None: every one of
    :data:`IMPORTED_ACCOUNT_FIELDS`). An update of an existing account takes only those and
    keeps every other field as stored; the note says which fields were updated and which kept.
    """
    new = plan.copy()
    if replace_all:
        new.accounts = SharedDict()
    given = set(IMPORTED_ACCOUNT_FIELDS if fields is None else fields)
    supplied = [f for f in IMPORTED_ACCOUNT_FIELDS if f in given]
    incoming = list(accounts)
    updated = sum(1 for a in incoming if a.id in new.accounts)
    merged: dict[str, Account] = {}  # one bulk update: per-account inserts would copy chunks
    for a in incoming:
        old = merged.get(a.id) or new.accounts.get(a.id)
        merged[a.id] = a if old is None else replace(old, **{f: getattr(a, f) for f in supplied})
    new.accounts.update(merged)
    text = f"Import {len(incoming)} accounts"
    notes = (_update_note(updated, supplied),) if updated else ()
    return Edit(text, new, notes)


def _update_note(count: int, supplied: list[str]) -> str:
    """Return e.g. "2 existing accounts updated: name, location; potential and tier kept"."""
    took = list(dict.fromkeys(IMPORTED_ACCOUNT_FIELDS[f] for f in supplied))
    kept = [n for n in dict.fromkeys(IMPORTED_ACCOUNT_FIELDS.values()) if n not in took]
    note = f"{count} existing account{'' if count == 1 else 's'} updated: {', '.join(took)}"
    if kept:
        note += f"; {', '.join(kept[:-1])}{' and ' if len(kept) > 1 else ''}{kept[-1]} kept"
    return note


def import_reps(plan: Plan, reps: Iterable[Rep]) -> Edit:
    """Add (or update by id) imported reps, keeping :data:`APP_ONLY_REP_FIELDS` on updates."""
    new = plan.copy()
    incoming = list(reps)
    for r in incoming:
        new.reps[r.id] = _keep_app_fields(new.reps.get(r.id), r,
                                          APP_ONLY_REP_FIELDS)  # type: ignore[assignment]
    return Edit(f"Import {len(incoming)} reps", new)


def import_territories(plan: Plan, territories: Iterable[Territory],
                       replace_all: bool = False) -> Edit:
    """Add territories read from a GIS file (same id: replaced); ``replace_all`` drops the rest.

    A territory owned by a rep the plan does not have is imported without an owner, with a
    note saying so; dropping all territories drops the rules that pointed at them.
    """
    new = plan.copy()
    if replace_all:
        new.territories = SharedDict()
        new.rules = []
    notes = []
    count = 0
    for t in territories:
        if t.rep_id is not None and t.rep_id not in plan.reps:
            notes.append(f"territory {t.id}: no rep {t.rep_id!r} in the plan; imported without "
                         "an owner")
            t = replace(t, rep_id=None)
        new.territories[t.id] = t
        count += 1
    return Edit(f"Import {count} territor{'y' if count == 1 else 'ies'}", new, tuple(notes))
