"""The territory summary and the realignment report as PDF, made from the window.

Each PDF's text is compared with the PDF ``tdesk plan summary`` / ``tdesk plan compare``
writes from the same plan saved to disk.
"""

from __future__ import annotations

import dataclasses

from export_gestures import answer_save, click_ok, export_action, wrote
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from test_more_exports import browse, press_preview, preview_rows, saved_for_cli
from test_scenario_gui import _compare, two_scenarios  # noqa: F401 (a fixture)

from territory_desktop import cli
from territory_desktop.design_edits import promote_scenario
from territory_desktop.io import save_plan


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_territory_summary_pdf_is_the_cli_s(tdapp, qtbot, tmp_path, monkeypatch):
    window, plan = tdapp.window, tdapp.document.plan
    export_action(window, "Territory &summary (PDF)…").trigger()
    dialog = window.exports.dialog
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.reason.text() == "Choose the file to write (Browse…)." and not ok.isEnabled()
    press_preview(qtbot, dialog)  # the rows show before any file is chosen
    assert preview_rows(dialog)[1]
    # A folder that does not exist, then a name that is not a PDF: one line, OK disabled.
    dialog.path.setFocus()
    qtbot.keyClicks(dialog.path, str(tmp_path / "missing" / "summary.pdf"))
    assert "does not exist" in dialog.reason.text() and "\n" not in dialog.reason.text()
    assert not ok.isEnabled()
    dialog.path.clear()
    qtbot.keyClicks(dialog.path, str(tmp_path / "summary.xlsx"))
    assert dialog.reason.text() == "The file must end in .pdf." and not ok.isEnabled()
    target = tmp_path / "summary.pdf"
    answer_save(monkeypatch, target)
    dialog.path.clear()
    browse(qtbot, dialog)
    assert dialog.reason.text() == "" and ok.isEnabled()
    press_preview(qtbot, dialog)
    header, shown = preview_rows(dialog)
    assert header[:4] == ["Territory", "Name", "Rep", "Accounts"]
    assert "Workload h/wk" in header and "Potential" in header
    assert [r[0] for r in shown] == [*plan.territories, "Total"][:len(shown)]
    click_ok(qtbot, dialog)
    wrote(qtbot, window)
    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    expected = tmp_path / "cli" / "summary.pdf"
    plan_path = saved_for_cli(tdapp, tmp_path)
    assert cli.main(["plan", "summary", str(plan_path), "--pdf", str(expected)]) == 0
    text = pdf_text(target)
    assert f"Territory summary: {plan.name}" in text and "OpenStreetMap" in text
    for row in shown:
        assert " ".join(row[:2]) in text  # the preview was true
    assert text == pdf_text(expected)


def test_realignment_report_as_pdf_is_the_cli_s(tdapp, qtbot, two_scenarios,  # noqa: F811
                                                monkeypatch, tmp_path):
    panel = tdapp.window.design.scenarios
    report = _compare(tdapp, qtbot, "As shipped", "Balanced")
    out = tmp_path / "realignment.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(out), "PDF (*.pdf)")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    text = pdf_text(out)
    assert f"{report.moved} accounts change owner" in text
    # The same two alignments as plan files, compared by the command line.
    monkeypatch.setenv("TDESK_CACHE", str(tmp_path / "cache"))
    balanced = saved_for_cli(tdapp, tmp_path)
    plan = tdapp.document.plan.copy()
    plan.settings = dataclasses.replace(plan.settings,
                                        osm_extract=tdapp.files.extract_path())
    shipped = promote_scenario(plan, "As shipped").plan
    save_plan(shipped, tmp_path / "cli" / "As shipped.gpkg")
    after = balanced.with_name("Balanced.gpkg")
    balanced.rename(after)
    expected = tmp_path / "cli" / "realignment.pdf"
    assert cli.main(["plan", "compare", str(tmp_path / "cli" / "As shipped.gpkg"), str(after),
                     "--pdf", str(expected)]) == 0
    assert text == pdf_text(expected)
    # A folder that cannot be written: one line, no traceback, nothing written.
    bad = tmp_path / "missing" / "r.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *_a, **_k: (str(bad), "PDF (*.pdf)")))
    qtbot.mouseClick(panel.export_button, Qt.MouseButton.LeftButton)
    status = tdapp.window.statusBar().currentMessage()
    assert status == (f"Export failed: Cannot write {bad}: folder {bad.parent} does not "
                      "exist."), status
    assert not bad.exists()
