"""The territory summary and the realignment report as PDF: the text read back holds the figures."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter

from pypdf import PdfReader

from territory_desktop import cli
from territory_desktop.geo.assignment import assign_accounts
from territory_desktop.io import planfile
from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample", "sample_plan.gpkg")


def pdf_text(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(path).pages).split())


def test_territory_summary_pdf_holds_each_territory_s_figures(tmp_path, capsys):
    pdf = tmp_path / "summary.pdf"
    cache = ["--network-cache", str(tmp_path / "net.npz")]
    assert cli.main(["plan", "summary", str(SAMPLE), "--pdf", str(pdf), "--json", *cache]) == 0
    doc = json.loads(capsys.readouterr().out)
    text = pdf_text(pdf)
    plan = planfile.load_plan(SAMPLE)
    assert f"Territory summary: {plan.name}" in text
    # Figures computed here, independently of the report: accounts and potential per territory.
    of = assign_accounts(plan).territory_of
    counts = Counter(t for t in of.values() if t)
    potential = Counter()
    for aid, tid in of.items():
        if tid:
            potential[tid] += plan.accounts[aid].potential or 0.0
    rows = {r[0]: r for r in doc["rows"]}
    assert list(rows)[:-1] == list(plan.territories) and "Total" in rows
    for tid, territory in plan.territories.items():
        row = rows[tid]
        assert row[3] == counts[tid]
        assert row[7] == potential[tid]
        shown = (f"{tid} {territory.name} {territory.rep_id} {counts[tid]} "
                 f"{row[4]} {row[5]} {row[6]} {potential[tid]:,.0f} ")
        assert shown in text, shown
        assert f"{row[11]:,.1f}" in text  # workload hours per week
    total = rows["Total"]
    assert total[3] == sum(counts.values()) and total[7] == sum(potential.values())
    assert f"Total {len(plan.reps)} reps {total[3]} " in text
    assert f"{sum(potential.values()):,.0f}" in text
    assert "© OpenStreetMap contributors" in text
    # Workload agrees with the realignment report's own figures for the same plan.
    assert cli.main(["plan", "compare", str(SAMPLE), str(SAMPLE), "--json", *cache]) == 0
    compared = json.loads(capsys.readouterr().out)
    for t in compared["territories"]:
        assert abs(rows[t["id"]][11] - t["workload_hours"][0]) < 1e-3


def test_realignment_pdf_lists_every_hand_off_and_rep_change(tmp_path, capsys):
    plan = planfile.load_plan(SAMPLE)
    moved = "T4"
    old_rep = plan.territories[moved].rep_id
    after = plan.copy()
    after.territories[moved] = dataclasses.replace(plan.territories[moved], rep_id="REP-1")
    after_path = tmp_path / "after.gpkg"
    after.settings = dataclasses.replace(after.settings, osm_extract=str(
        resource_path("sample", plan.settings.osm_extract)))
    planfile.save_plan(after, after_path)
    pdf = tmp_path / "realignment.pdf"
    assert cli.main(["plan", "compare", str(SAMPLE), str(after_path), "--pdf", str(pdf),
                     "--json", "--network-cache", str(tmp_path / "net.npz")]) == 0
    doc = json.loads(capsys.readouterr().out)
    text = pdf_text(pdf)
    of = assign_accounts(plan).territory_of
    handed = sorted(a for a, t in of.items() if t == moved)
    assert doc["moved"] == len(handed) > 0
    assert (f"Realignment from sample_plan to after: {len(handed)} accounts change owner"
            in text)
    for aid in handed:
        assert f"{old_rep} REP-1 {aid} " in text, aid
    for r in doc["reps"]:
        if r["rep_id"] in (old_rep, "REP-1"):
            assert f"{r['net_workload_hours']:,.2f}" in text
    gained = next(r for r in doc["reps"] if r["rep_id"] == "REP-1")
    assert len(gained["gained"]) == len(handed)
    assert f"T4 {plan.territories[moved].name} {old_rep} REP-1" in text


def test_the_printed_summary_says_what_its_hours_and_percent_are(tmp_path, capsys):
    """The summary's "%" is not the territory table's utilisation: it must say what it is.

    Until a rotation is scheduled they differ (estimated drive here, scheduled drive there).
    """
    cache = ["--network-cache", str(tmp_path / "net.npz")]
    assert cli.main(["plan", "summary", str(SAMPLE), *cache]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("workload h/wk = visit hours + drive hours (estimate); % = workload / "
                     "the rep's weekly hours")
