"""File > Import > Alignment file, through the menu, the preview dialog and one Ctrl+Z."""

from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QMessageBox
from shapely.geometry import Point

WAIT_MS = 60_000


def _focus(window, qtbot):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _import(tdapp, qtbot, monkeypatch, path):
    """File > Import > Alignment file…, answering the file dialog with ``path``."""
    window = tdapp.window
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(path), "")))
    action = window.actions["file.import_alignment"]
    assert action.parent() is not None
    importer = window.design.alignment
    importer.dialog = None
    action.trigger()
    return importer.dialog


def _error_box(window):
    boxes = [b for b in window.findChildren(QMessageBox, "errorBox") if b.isVisible()]
    return boxes[-1] if boxes else None


def _write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def test_alignment_file_moves_the_matched_accounts_and_undoes_in_one_step(
        tdapp, qtbot, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    before_plan = doc.plan
    before = dict(doc.assignment.territory_of)
    harbor = sorted(a for a, t in before.items() if t == "T3")[:12]
    enterprise = next(a for a, t in before.items() if t == "T-ENT")
    fells = next(a for a, t in before.items() if t == "T2")
    rows = [["Account ID", "Territory"]]
    rows += [[a, "Brewers Hill"] for a in harbor[:6]]  # by name
    rows += [[a, "t1"] for a in harbor[6:]]  # by id, any case
    rows += [["NO-SUCH-ACCOUNT", "T1"],  # line 14
             [fells, "Atlantis"],  # line 15
             [enterprise, "T1"],  # line 16: an overlay rule holds it
             [harbor[0], "T4"],  # line 17: aligned twice
             [fells, "Fells Prospect"]]  # line 18: already there (matched, no move)
    path = _write(tmp_path / "alignment.csv", rows)
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert dialog is not None and dialog.isVisible()
    assert dialog.unmatched.rowCount() == 4
    lines = [dialog.unmatched.item(r, 0).text() for r in range(4)]
    reasons = [dialog.unmatched.item(r, 1).text() for r in range(4)]
    assert lines == ["14", "15", "16", "17"]
    assert reasons[0] == "no account or unit with id 'NO-SUCH-ACCOUNT'"
    assert reasons[1] == "no territory with id or name 'Atlantis'"
    assert reasons[2].startswith(f"account {enterprise} is held by the overlay rule segment = "
                                 "Enterprise")
    assert reasons[3] == f"{harbor[0]} was already aligned to Brewers Hill on line 2"
    assert dialog.moves.rowCount() == 12
    rep = {t.id: doc.plan.reps[t.rep_id].name for t in doc.plan.territories.values()
           if t.rep_id in doc.plan.reps}
    assert dialog.moves.item(0, 4).text() == f"{rep['T3']} → {rep['T1']}"  # names, not ids
    assert "17 rows read" in dialog.summary.text()
    assert "matched 13 accounts; 12 accounts change territory, 12 of them change owner" \
        in dialog.summary.text()
    # The validation file: the same rows, with their lines.
    out = tmp_path / "unmatched.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(out), "")))
    qtbot.mouseClick(dialog.save_unmatched, Qt.MouseButton.LeftButton)
    with out.open(encoding="utf-8") as f:
        saved = list(csv.DictReader(f))
    assert [(r["line"], r["reason"]) for r in saved] == list(zip(lines, reasons, strict=True))
    assert {r["file"] for r in saved} == {str(path)}
    steps = doc.undo_stack.count()
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert doc.undo_stack.count() == steps + 1
    assert doc.undo_stack.undoText() == "Import alignment: 12 accounts moved"
    after = doc.assignment.territory_of
    assert {a for a in after if after[a] != before[a]} == set(harbor)
    assert all(after[a] == "T1" for a in harbor)
    _focus(window, qtbot)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is before_plan
    assert doc.assignment.territory_of == before


def test_a_name_that_starts_with_a_digit_is_text_not_a_number(tdapp, qtbot, monkeypatch,
                                                              tmp_path):
    from territory_desktop import edits

    window, doc = tdapp.window, tdapp.document
    account = sorted(a for a, t in doc.assignment.territory_of.items() if t == "T3")[0]
    window.apply_edit(lambda: edits.update_account(doc.plan, account, name="7-Eleven"))
    window.apply_edit(lambda: edits.update_territory(doc.plan, "T1", name="2nd District"))
    path = _write(tmp_path / "alignment.csv", [["Account ID", "Territory"], [account, "T1"]])
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert dialog is not None and dialog.isVisible()
    row = [dialog.moves.item(0, c) for c in range(4)]
    assert [i.text() for i in row] == [account, "7-Eleven", "Harbor East", "2nd District"]
    right = int(Qt.AlignmentFlag.AlignRight)
    assert not int(row[1].textAlignment()) & right  # names read from the left, like names
    assert not int(row[3].textAlignment()) & right
    dialog.reject()


def test_rows_of_a_locked_territory_are_refused_and_listed(tdapp, qtbot, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    window.select_territories(["T2"])
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    before = dict(doc.assignment.territory_of)
    fells = sorted(a for a, t in before.items() if t == "T2")[:2]
    harbor = sorted(a for a, t in before.items() if t == "T3")[:2]
    path = _write(tmp_path / "locked.csv", [["account_id", "territory_id"],
                                            [fells[0], "T1"], [harbor[0], "T2"],
                                            [harbor[1], "T4"]])
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert [dialog.unmatched.item(r, 1).text() for r in range(2)] == [
        f"account {fells[0]} is in Fells Prospect, which is locked: unlock it to move its "
        "accounts",
        "territory Fells Prospect is locked: unlock it to give it accounts"]
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    after = doc.assignment.territory_of
    assert {a for a in after if after[a] != before[a]} == {harbor[1]}


def test_a_file_with_no_usable_columns_is_explained(tdapp, qtbot, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    before = doc.plan
    path = _write(tmp_path / "odd.csv", [["name", "colour"], ["x", "red"]])
    assert _import(tdapp, qtbot, monkeypatch, path) is None
    box = _error_box(window)
    assert box is not None
    assert box.text().startswith(f"{path}: no column for the account or unit id (looked for "
                                 "account_id, account, unit_id")
    assert doc.plan is before


def test_unit_keys_with_no_layer_shown_ask_for_one(tdapp, qtbot, monkeypatch, tmp_path):
    window, doc = tdapp.window, tdapp.document
    before = doc.plan
    path = _write(tmp_path / "counties.csv", [["county_fips", "territory"], ["24510", "T1"],
                                              ["24005", "T2"]])
    assert _import(tdapp, qtbot, monkeypatch, path) is None
    box = _error_box(window)
    assert box is not None
    assert box.text() == ("counties.csv: the keys look like ZIP, county or state ids, not "
                          "account ids: show a unit layer first (View > Geographic units)")
    assert doc.plan is before


def test_county_keys_move_the_shown_counties_and_account_keys_still_move_accounts(
        tdapp, qtbot, monkeypatch, tmp_path):
    window, doc, units = tdapp.window, tdapp.document, tdapp.window.units
    with qtbot.waitSignal(units.layer_shown, timeout=WAIT_MS):
        window.actions["view.units_county"].trigger()
    layer, before = units.layer, doc.plan
    owners_before = list(units.owners())
    city = layer.ids.index("24510")
    assert owners_before[city] == "T3"
    path = _write(tmp_path / "counties.csv", [["FIPS", "Territory"], ["24510", "brewers hill"],
                                              ["06037", "T2"], ["24005", "Nowhere"]])
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert "matched 1 County unit; 1 unit change territory" in dialog.summary.text()
    assert [(dialog.unmatched.item(r, 0).text(), dialog.unmatched.item(r, 1).text())
            for r in range(dialog.unmatched.rowCount())] == [
        ("3", "no County unit shown with id '06037'"),
        ("4", "no territory with id or name 'Nowhere'")]
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    assert doc.undo_stack.undoText() == "Import alignment: 1 County unit"
    owners = units.owners()
    assert owners[city] == "T1"
    assert [o for i, o in enumerate(owners) if i != city] == \
        [o for i, o in enumerate(owners_before) if i != city]
    # The accounts inside the county followed it (overlay rules still win).
    inside = [a.id for a in doc.plan.accounts.values()
              if layer.geometries[city].contains(Point(a.lon, a.lat))]
    after = doc.assignment.territory_of
    assert inside and all(after[a] in ("T1", "T-ENT") for a in inside)
    _focus(window, qtbot)
    with qtbot.waitSignal(doc.plan_changed, timeout=WAIT_MS):
        qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.plan is before
    # With the layer still shown, a file of account ids moves accounts, not units.
    harbor = sorted(a for a, t in doc.assignment.territory_of.items() if t == "T3")[:2]
    path = _write(tmp_path / "accounts.csv", [["id", "territory"]] + [[a, "T1"] for a in harbor])
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert "matched 2 accounts; 2 accounts change territory" in dialog.summary.text()
    dialog.reject()
    # Unit ids none of which is shown are reported against the layer, not as accounts.
    path = _write(tmp_path / "elsewhere.csv", [["fips", "territory"], ["06037", "T1"]])
    dialog = _import(tdapp, qtbot, monkeypatch, path)
    assert "matched 0 County units" in dialog.summary.text()
    assert dialog.unmatched.item(0, 1).text() == "no County unit shown with id '06037'"
