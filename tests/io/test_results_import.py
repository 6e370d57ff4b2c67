"""CSV/XLSX import of CRM results.

CSV/XLSX import of CRM results: CRM column names, every bad row reported by line, column and
reason while good rows are kept, re-import updates, and formula-safe CSV writing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from territory_desktop.health import CrmResults
from territory_desktop.io.results import (
    guess_mapping,
    import_activities,
    import_opportunities,
    import_quotas,
    import_results,
    write_csv,
    write_problems_csv,
)
from territory_desktop.io.tables import read_table
from territory_desktop.resources import resource_path

TODAY = dt.date(2026, 12, 1)
# Real ids of the sample plan (central Baltimore); any plan's ids would do.
ACCOUNTS = ("OSM-n475777177", "OSM-n476150915", "OSM-n544167258")
REPS = ("REP-1", "REP-2")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _problems(result) -> list[tuple[int, str, str, bool]]:
    return [(p.line, p.column, p.reason, p.skipped) for p in result.problems]


def test_salesforce_hubspot_and_dynamics_opportunity_columns_are_recognised():
    salesforce = ["Opportunity ID", "Opportunity Name", "Account ID", "Amount", "Stage",
                  "Created Date", "Close Date", "Won", "Closed", "Opportunity Owner"]
    assert guess_mapping("opportunities", salesforce) == {
        "id": "Opportunity ID", "account_id": "Account ID", "amount": "Amount",
        "stage": "Stage", "is_won": "Won", "is_closed": "Closed", "created": "Created Date",
        "close": "Close Date"}
    hubspot = ["Record ID", "Deal Name", "Deal Stage", "Amount", "Create Date", "Close Date",
               "Associated Company IDs (Primary)", "Is Closed Won", "Is Deal Closed?"]
    assert guess_mapping("opportunities", hubspot) == {
        "id": "Record ID", "account_id": "Associated Company IDs (Primary)",
        "amount": "Amount", "stage": "Deal Stage", "is_won": "Is Closed Won",
        "is_closed": "Is Deal Closed?", "created": "Create Date", "close": "Close Date"}
    dynamics = ["opportunityid", "name", "parentaccountid", "estimatedvalue", "stepname",
                "statecode", "createdon", "actualclosedate", "estimatedclosedate"]
    assert guess_mapping("opportunities", dynamics) == {
        "id": "opportunityid", "account_id": "parentaccountid", "amount": "estimatedvalue",
        "stage": "stepname", "status": "statecode", "created": "createdon",
        "close": "actualclosedate", "expected_close": "estimatedclosedate"}
    assert guess_mapping("quotas", ["QuotaOwnerId", "StartDate", "QuotaAmount"]) == {
        "rep_id": "QuotaOwnerId", "start": "StartDate", "amount": "QuotaAmount"}
    assert guess_mapping("quotas", ["Goal Owner ID", "From", "To", "Target (Money)"]) == {
        "rep_id": "Goal Owner ID", "start": "From", "end": "To", "amount": "Target (Money)"}
    assert guess_mapping("activities", ["WhatId", "ActivityDate", "TaskSubtype"]) == {
        "account_id": "WhatId", "date": "ActivityDate", "type": "TaskSubtype"}


def test_status_from_a_status_column_flags_or_the_stage(tmp_path):
    dynamics = _write(tmp_path, "dyn.csv",
                      "opportunityid,parentaccountid,estimatedvalue,statecode,createdon,"
                      "actualclosedate,estimatedclosedate\n"
                      f"d1,{ACCOUNTS[0]},1000,Won,2026-01-05,2026-02-01,2026-03-01\n"
                      f"d2,{ACCOUNTS[0]},2000,Open,2026-01-05,,2026-12-20\n"
                      f"d3,{ACCOUNTS[1]},3000,Lost,2026-01-05,2026-02-10,\n")
    res = import_opportunities(dynamics, ACCOUNTS, today=TODAY)
    assert res.problems == []
    frame = res.frame
    assert list(frame["id"]) == ["d1", "d2", "d3"]
    assert list(frame["status"]) == ["won", "open", "lost"]
    # the actual close date wins; an open deal keeps its expected close date
    assert frame["closed"].tolist() == [dt.date(2026, 2, 1), dt.date(2026, 12, 20),
                                        dt.date(2026, 2, 10)]
    hubspot = _write(tmp_path, "hs.csv",
                     "Record ID,Associated Company ID,Amount,Deal Stage,Create Date,Close Date,"
                     "Is Closed Won,Is Deal Closed?\n"
                     f"1,{ACCOUNTS[0]},500,Closed won,2026-03-01 10:22,2026-03-09 09:00,true,"
                     "true\n"
                     f"2,{ACCOUNTS[0]},600,Contract sent,2026-03-01 10:22,2026-12-31,false,"
                     "false\n"
                     f"3,{ACCOUNTS[0]},700,Closed lost,2026-03-01,2026-03-20,false,true\n")
    res = import_opportunities(hubspot, ACCOUNTS, today=TODAY)
    assert res.problems == []
    assert list(res.frame["status"]) == ["won", "open", "lost"]
    assert res.frame["created"].tolist() == [dt.date(2026, 3, 1)] * 3


def test_closed_stages_crms_use_are_won_or_lost_and_a_bare_closed_is_reported(tmp_path):
    """Stages are read by their words: Salesforce custom closed stages, HubSpot ids, Dynamics."""
    stages = ["Closed Lost - No Budget", "Closed Won (Renewal)", "Closed - Lost to Competitor",
              "closedwon", "Disqualified", "Out-Sold", "Dead", "Cancelled", "Closed/Won",
              "Closed", "Won/Lost", "4-Close", "Negotiation/Review", "Prospecting"]
    path = _write(tmp_path, "stages.csv", "Opportunity ID,Account ID,Amount,Stage,Created Date,"
                  "Close Date\n" + "".join(f"s{i},{ACCOUNTS[0]},1000,{stage},2026-10-01,"
                                           "2026-11-11\n" for i, stage in enumerate(stages)))
    res = import_opportunities(path, ACCOUNTS, today=TODAY)
    status = dict(zip(res.frame["stage"], res.frame["status"], strict=True))
    assert status == {
        "Closed Lost - No Budget": "lost", "Closed Won (Renewal)": "won",
        "Closed - Lost to Competitor": "lost", "closedwon": "won", "Disqualified": "lost",
        "Out-Sold": "lost", "Dead": "lost", "Cancelled": "lost", "Closed/Won": "won",
        "4-Close": "open", "Negotiation/Review": "open", "Prospecting": "open"}
    why = ("says closed but not whether won or lost; left out (a closed deal is not open "
           "pipeline): name it Closed Won or Closed Lost, or map a won/lost column")
    assert _problems(res) == [(11, "Stage", f"stage 'Closed' {why}", True),
                              (12, "Stage", f"stage 'Won/Lost' {why}", True)]
    assert all(p.source == str(path) for p in res.problems)


def test_a_bare_closed_stage_with_the_won_flag_off_is_lost(tmp_path):
    path = _write(tmp_path, "flags.csv", "Opportunity ID,Account ID,Amount,Stage,Won,"
                  "Created Date,Close Date\n"
                  f"f1,{ACCOUNTS[0]},10,Closed,false,2026-10-01,2026-11-11\n"
                  f"f2,{ACCOUNTS[0]},10,Closed,true,2026-10-01,2026-11-11\n"
                  f"f3,{ACCOUNTS[0]},10,Proposal,false,2026-10-01,2026-12-11\n")
    res = import_opportunities(path, ACCOUNTS, today=TODAY)
    assert res.problems == []
    assert list(res.frame["status"]) == ["lost", "won", "open"]


def test_bad_opportunity_rows_are_reported_by_line_column_and_reason(tmp_path):
    path = _write(tmp_path, "opps.csv", "\n".join([
        "Opportunity ID,Account ID,Amount,Stage,Created Date,Close Date",
        f"o1,{ACCOUNTS[0]},\"12,500.00\",Closed Won,2026-01-10,2026-02-01",  # 2 good
        f",{ACCOUNTS[0]},100,Prospecting,2026-01-10,2026-12-01",  # 3 no id
        f"o3,{ACCOUNTS[0]},lots,Prospecting,2026-01-10,2026-12-01",  # 4
        f"o4,{ACCOUNTS[0]},-5,Prospecting,2026-01-10,2026-12-01",  # 5
        f"o5,{ACCOUNTS[0]},100,Prospecting,2026-02-30,2026-12-01",  # 6 no such day
        f"o6,{ACCOUNTS[0]},100,Closed Won,2026-03-01,",  # 7 won without close date
        f"o7,{ACCOUNTS[0]},100,Closed Lost,2026-03-01,2026-02-01",  # 8 closes before created
        f"o8,{ACCOUNTS[0]},100,Closed Won,2026-03-01,2027-01-15",  # 9 closed after today
        "o9,OSM-nowhere,100,Closed Won,2026-03-01,2026-04-01",  # 10 unknown account
        f"o1,{ACCOUNTS[1]},100,Closed Won,2026-03-01,2026-04-01",  # 11 duplicate id
        f"o10,{ACCOUNTS[1]},200000000000,Prospecting,2026-03-01,2026-12-01",  # 12 too big
        f"o11,{ACCOUNTS[1]},100,Prospecting,1899-03-01,2026-12-01",  # 13 too old
        f"\"o12\nsecond line\",{ACCOUNTS[1]},100,Prospecting,2026-03-01,2026-12-01",  # 14-15
        f"o13,{ACCOUNTS[2]},$2.5k,Prospecting,7/15/2026,2040-01-01",  # 16: 14 years ahead
        f"o14,{ACCOUNTS[2]},\"$1,200\",Closed Won,7/15/2026,8/3/2026",  # 17 good
    ]) + "\n")
    res = import_opportunities(path, ACCOUNTS, today=TODAY)
    assert _problems(res) == [
        (3, "Opportunity ID", "opportunity id is empty", True),
        (4, "Amount", "amount 'lots' is not a number", True),
        (5, "Amount", "amount must not be negative", True),
        (6, "Created Date", "created date '2026-02-30' is not a date (use YYYY-MM-DD)", True),
        (7, "Close Date", "a won opportunity needs a close date", True),
        (8, "Close Date", "close date 2026-02-01 is before the created date", True),
        (9, "Close Date", "closed on 2027-01-15, which is after today", True),
        (10, "Account ID", "account 'OSM-nowhere' is not in the plan", True),
        (11, "Opportunity ID", "duplicate opportunity id (first used on line 2)", True),
        (12, "Amount", "amount 200000000000 is above 100 billion; is the column in another "
                       "unit?", True),
        (13, "Created Date", "created date 1899-03-01 is before 1990", True),
        (16, "Close Date", "expected close date 2040-01-01 is more than 10 years ahead", True),
    ]
    assert all(p.source == str(path) for p in res.problems)
    assert str(res.problems[0]) == "line 3, column 'Opportunity ID': opportunity id is empty"
    assert res.rows_read == 15 and res.rows_rejected == 12
    kept = res.frame
    assert list(kept["id"]) == ["o1", "o12\nsecond line", "o14"]
    assert kept["amount"].tolist() == [12_500.0, 100.0, 1_200.0]
    assert kept["closed"].tolist()[2] == dt.date(2026, 8, 3)


def test_missing_required_columns_import_nothing(tmp_path):
    path = _write(tmp_path, "o.csv", f"Opportunity ID,Account ID,Amount\no1,{ACCOUNTS[0]},1\n")
    res = import_opportunities(path, ACCOUNTS)
    assert res.missing_required == ["created", "status", "close"]
    assert len(res.frame) == 0 and res.rows_read == 1


def test_explicit_mapping_semicolon_decimal_comma_and_day_first_dates(tmp_path):
    path = _write(tmp_path, "deals.csv",
                  "Nr;Kunde;Wert;Phase;Angelegt;Abschluss;Ergebnis\n"
                  f"1;{ACCOUNTS[0]};1.234,50;Verhandlung;03.02.2026;15.03.2026;gewonnen\n"
                  f"2;{ACCOUNTS[0]};99,9;Angebot;10/02/2026;25/02/2026;Won\n")
    mapping = {"id": "Nr", "account_id": "Kunde", "amount": "Wert", "stage": "Phase",
               "created": "Angelegt", "close": "Abschluss", "status": "Ergebnis"}
    res = import_opportunities(path, ACCOUNTS, mapping, today=TODAY)
    # German "gewonnen" is not a status we know: reported, not guessed.
    assert _problems(res) == [(2, "Ergebnis", "status 'gewonnen' is not won, lost or open",
                               True)]
    row = dict(zip(res.frame.columns, next(res.frame.rows()), strict=True))
    assert row["amount"] == 99.9
    # Close: 25/02/2026 has a day above 12 in first place, so that column is day-first.
    # Created: 10/02/2026 could be either; a semicolon (European) file is read day-first.
    assert (row["created"], row["closed"]) == (dt.date(2026, 2, 10), dt.date(2026, 2, 25))


def test_xlsx_with_date_cells(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Opportunity ID", "Account ID", "Amount", "Stage", "Created Date", "Close Date"])
    ws.append(["x1", ACCOUNTS[0], 1500.5, "Closed Won", dt.datetime(2026, 4, 1),
               dt.datetime(2026, 5, 2)])
    ws.append(["x2", ACCOUNTS[0], "n/a", "Prospecting", dt.datetime(2026, 4, 1), None])
    path = tmp_path / "opps.xlsx"
    wb.save(path)
    res = import_opportunities(path, ACCOUNTS, today=TODAY)
    assert _problems(res) == [(3, "Amount", "amount 'n/a' is not a number", True)]
    assert res.frame["closed"].tolist() == [dt.date(2026, 5, 2)]
    assert res.frame["amount"].tolist() == [1500.5]


def test_quotas_periods_and_bad_rows(tmp_path):
    path = _write(tmp_path, "q.csv", "\n".join([
        "Rep ID,Period,Start,End,Quota",
        "REP-1,2026Q3,,,60000",  # 2
        "REP-1,2026-07,,,20000",  # 3 overlaps line 2
        "REP-1,Q4 2026,,,70000",  # 4
        "REP-2,,2026-07-01,2026-12-31,120000",  # 5 six months
        "REP-2,,2027-01-01,,50000",  # 6 start alone
        "REP-2,,2027-01-15,2027-03-31,50000",  # 7 not a month start
        "REP-2,Q5 2026,,,1",  # 8
        "REP-9,2026Q3,,,1",  # 9 unknown rep
        "REP-2,2027,,,-1",  # 10 negative
    ]) + "\n")
    mapping = {"rep_id": "Rep ID", "period": "Period", "start": "Start", "end": "End",
               "amount": "Quota"}
    res = import_quotas(path, REPS, mapping)
    assert _problems(res) == [
        (3, "Rep ID", "this rep's quota overlaps the one on line 2 (2026Q3)", True),
        (6, "End", "a start date alone does not say whether the quota is for a month or a "
                     "quarter; add an end date or a period such as 2026Q3", True),
        (7, "Start", "period start 2027-01-15 is not the first day of a month", True),
        (8, "Period", "period 'Q5 2026' is not a month, quarter or year (use e.g. 2026Q3, "
                      "2026-07 or 2026)", True),
        (9, "Rep ID", "rep 'REP-9' is not in the plan", True),
        (10, "Quota", "quota must not be negative", True),
    ]
    assert list(zip(res.frame["rep_id"], res.frame["period"], res.frame["months"],
                    res.frame["amount"], strict=True)) == [
        ("REP-1", "2026Q3", 3, 60_000), ("REP-1", "2026Q4", 3, 70_000),
        ("REP-2", "2026-07..2026-12", 6, 120_000)]


def test_activities_types_duplicates_and_bad_rows(tmp_path):
    path = _write(tmp_path, "a.csv", "\n".join([
        "Account ID,Activity Date,Type",
        f"{ACCOUNTS[0]},2026-07-06,Visit",  # 2
        f"{ACCOUNTS[0]},2026-07-06,Meeting",  # 3 same account, day and type (visit)
        f"{ACCOUNTS[0]},2026-07-06,Phone Call",  # 4 a call that day is another activity
        f"{ACCOUNTS[1]},2026-07-07,Email",  # 5
        f"{ACCOUNTS[1]},2027-07-07,Visit",  # 6 future
        "OSM-x,2026-07-07,Visit",  # 7
        f"{ACCOUNTS[1]},,Visit",  # 8
    ]) + "\n")
    res = import_activities(path, ACCOUNTS, today=TODAY)
    assert _problems(res) == [
        (3, "Activity Date", "same account, date and type as line 2; counted once", True),
        (5, "Type", "type 'Email' is neither a visit (visit, meeting, appointment) nor a call; "
                    "left out", True),
        (6, "Activity Date", "date 2027-07-07 is after today", True),
        (7, "Account ID", "account 'OSM-x' is not in the plan", True),
        (8, "Activity Date", "date is empty", True),
    ]
    assert list(res.frame["type"]) == ["visit", "call"]


def test_reimport_updates_instead_of_duplicating(tmp_path):
    header = "Opportunity ID,Account ID,Amount,Stage,Created Date,Close Date\n"
    first = _write(tmp_path, "o1.csv", header
                   + f"o1,{ACCOUNTS[0]},100,Prospecting,2026-01-01,2026-12-01\n"
                   + f"o2,{ACCOUNTS[0]},200,Closed Lost,2026-01-01,2026-02-01\n")
    quotas = _write(tmp_path, "q.csv", "Rep ID,Period,Quota\nREP-1,2026Q3,60000\n"
                    "REP-2,2026Q3,10\n")
    acts = _write(tmp_path, "a.csv", f"Account ID,Date,Type\n{ACCOUNTS[0]},2026-07-06,Visit\n")
    once = import_results(ACCOUNTS, REPS, first, quotas, acts, today=TODAY).results
    twice = import_results(ACCOUNTS, REPS, first, quotas, acts, existing=once,
                           today=TODAY).results
    for a, b in ((once.opportunities, twice.opportunities), (once.quotas, twice.quotas),
                 (once.activities, twice.activities)):
        assert a == b

    second = _write(tmp_path, "o2.csv", header
                    + f"o1,{ACCOUNTS[0]},150,Closed Won,2026-01-01,2026-03-01\n"
                    + f"o3,{ACCOUNTS[1]},300,Prospecting,2026-01-01,2026-12-01\n")
    months = _write(tmp_path, "m.csv", "Rep ID,Period,Quota\nREP-1,2026-07,25000\n")
    updated = import_results(ACCOUNTS, REPS, second, months, existing=twice,
                             today=TODAY).results
    opp = updated.opportunities
    assert sorted(opp["id"]) == ["o1", "o2", "o3"]
    o1 = list(opp["id"]).index("o1")
    assert (opp["amount"][o1], opp["status"][o1]) == (150.0, "won")
    # REP-1's July quota replaces the quarter it overlaps (both would count twice); REP-2 keeps
    assert sorted(zip(updated.quotas["rep_id"], updated.quotas["period"], strict=True)) == [
        ("REP-1", "2026-07"), ("REP-2", "2026Q3")]
    assert len(updated.activities) == 1


def test_empty_results_merge():
    empty = CrmResults.empty()
    merged = empty.merged(empty)
    assert len(merged.opportunities) == 0 and list(merged.opportunities.columns) == [
        "id", "account_id", "amount", "stage", "created", "closed", "status"]


def test_write_csv_defuses_formulas(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ("name", "amount", "note"), [
        ("=HYPERLINK(\"http://x\")", -5, "+1 555"),
        ("@SUM(A1)", 2.5, "-minus"),
        ("plain", 0, "\tTab"),
    ])
    table = read_table(path)
    cells = [[r.cells[c] for c in table.columns] for r in table.rows]
    assert cells == [["'=HYPERLINK(\"http://x\")", "-5", "'+1 555"],
                     ["'@SUM(A1)", "2.5", "'-minus"],
                     ["plain", "0", "'\tTab"]]


def test_problems_csv(tmp_path):
    path = _write(tmp_path, "o.csv", "Opportunity ID,Account ID,Amount,Stage,Created Date,"
                  "Close Date\n=cmd,OSM-x,1,Won,2026-01-01,2026-01-02\n")
    res = import_opportunities(path, ACCOUNTS, today=TODAY)
    out = tmp_path / "problems.csv"
    write_problems_csv(out, res.problems)
    table = read_table(out)
    assert table.columns == ["file", "line", "column", "value", "verdict", "reason"]
    row = table.rows[0].cells
    assert (row["line"], row["column"], row["value"], row["verdict"]) == (
        "2", "Account ID", "OSM-x", "rejected")


def test_sample_results_import_cleanly():
    from territory_desktop.io.planfile import load_plan

    sample = resource_path("sample")
    plan = load_plan(sample / "sample_plan.gpkg")
    report = import_results(plan.accounts, plan.reps, sample / "results" / "opportunities.csv",
                            sample / "results" / "quotas.csv",
                            sample / "results" / "activities.csv", today=TODAY)
    assert report.problems == []
    assert {imp.kind: len(imp.frame) for imp in report.imports} == {
        imp.kind: imp.rows_read for imp in report.imports}
    assert set(report.results.opportunities["status"]) == {"won", "lost", "open"}


def test_date_forms_crms_write(tmp_path):
    """Dates in the forms CRMs write are read as meant.

    Times are ignored, dots are day-first, two-digit years are 19xx/20xx, a four-digit year
    0026 is not silently read as 2026, and D/M columns are recognised by a day above 12.
    """
    path = _write(tmp_path, "a.csv", "\n".join([
        "Account ID,Date,Type",
        f"{ACCOUNTS[0]},7/15/26,Visit",  # 2
        f"{ACCOUNTS[0]},15.07.2026,Call",  # 3
        f"{ACCOUNTS[1]},2026-07-15T23:30:00-05:00,Visit",  # 4
        f"{ACCOUNTS[1]},7/16/2026 10:00 AM,Call",  # 5
        f"{ACCOUNTS[2]},1/2/0026,Visit",  # 6
        f"{ACCOUNTS[2]},2026-02-29,Visit",  # 7 not a leap year
    ]) + "\n")
    res = import_activities(path, ACCOUNTS, today=TODAY)
    assert _problems(res) == [
        (6, "Date", "date '1/2/0026' is not a date (use YYYY-MM-DD)", True),
        (7, "Date", "date '2026-02-29' is not a date (use YYYY-MM-DD)", True)]
    assert res.frame["date"].tolist() == [dt.date(2026, 7, 15)] * 3 + [
        dt.date(2026, 7, 16)]

    day_first = _write(tmp_path, "d.csv", "Account ID,Date,Type\n"
                       f"{ACCOUNTS[0]},03/07/2026,Visit\n{ACCOUNTS[0]},25/07/2026,Visit\n")
    res = import_activities(day_first, ACCOUNTS, today=TODAY)
    assert res.problems == []
    assert res.frame["date"].tolist() == [dt.date(2026, 7, 3), dt.date(2026, 7, 25)]
