"""Property-based fuzzing of what a user imports or opens (issue 9).

One test per class of the reproducers in ``../shared/data/bad-input/``; each test first runs
its reproducer, then derandomized damage of the same class. Command-line cases run in a worker
process (see ``input_fuzz.py``): success with strict JSON, or one line naming the file, within
the time bound, no crash signal. The value classes (absurd numbers, coordinate signs) check the
imported values themselves: in range and with the sign written, or the row refused with line,
column and reason. ``benchmarks/fuzz_inputs.py`` runs longer, random ones.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from input_fuzz import (
    BAD_INPUT,
    ENCODINGS,
    ODD_VALUES,
    PLAN_FIELDS,
    PLAN_TABLES,
    XLSX_PARTS,
    InputRunner,
    damage_plan,
    damage_xlsx_part,
    encode,
    far_cell_xlsx,
    seed_bytes,
)
from routing_fuzz import mutate

from territory_desktop.io.tables import import_accounts
from territory_desktop.model.plan import MAX_EVERY_WEEKS, MIN_EVERY_WEEKS

EXAMPLES = 12
_FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])  # fmt: skip

edit = st.tuples(st.sampled_from(["truncate", "flip", "set", "insert", "delete"]),
                 st.floats(0.0, 1.0), st.integers(0, 255))  # fmt: skip
edits = st.lists(edit, min_size=1, max_size=6)


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    seeds = seed_bytes(work)
    runner = InputRunner(work)
    for kind, data in seeds.items():  # the undamaged inputs succeed: the damage is the test
        assert runner.run(kind, data).what == "success", kind
    yield runner, seeds, work
    runner.close()


def _check(outcome, label):
    assert outcome.ok, f"{label}: {outcome.what}: {outcome.detail}"


def _reproducer(runner, name: str) -> str:
    outcome = runner.run(Path(name).suffix, (BAD_INPUT / name).read_bytes())
    _check(outcome, name)
    return outcome.detail


def test_damaged_csv_in_any_encoding(fuzz):
    runner, seeds, _ = fuzz

    @_FUZZ
    @given(encoding=st.sampled_from(ENCODINGS), ops=edits)
    def case(encoding, ops):
        _check(runner.run(".csv", mutate(encode(seeds[".csv"], encoding), ops)),
               f"csv {encoding} {ops}")

    case()


def test_flipped_xlsx_class(fuzz):
    """``0506_xlsx_flip_la.xlsx``: flipped bytes made a traceback and then a segfault."""
    runner, seeds, _ = fuzz
    assert "not a readable Excel file" in _reproducer(runner, "0506_xlsx_flip_la.xlsx")

    @_FUZZ
    @given(part=st.sampled_from(XLSX_PARTS), ops=edits)
    def inside(part, ops):
        _check(runner.run(".xlsx", damage_xlsx_part(seeds[".xlsx"], part, ops)),
               f"xlsx {part} {ops}")

    @_FUZZ
    @given(ops=edits)
    def zip_bytes(ops):
        _check(runner.run(".xlsx", mutate(seeds[".xlsx"], ops)), f"xlsx bytes {ops}")

    inside()
    zip_bytes()


def test_sparse_dimensions_xlsx_class(fuzz):
    """``xlsx_sparse_dims.xlsx``: one cell at XFD1048576 hung the import for over 300 s."""
    runner, seeds, _ = fuzz
    assert _reproducer(runner, "xlsx_sparse_dims.xlsx") == ""

    @_FUZZ
    @given(column=st.integers(1, 16384), row=st.integers(1, 1048576),
           dimension=st.sampled_from(["A1:XFD1048576", "A1", "ZZZ9", "A0:B", "", "A1:A1:A1"]))
    def case(column, row, dimension):
        outcome = runner.run(".xlsx", far_cell_xlsx(seeds[".xlsx"], column, row, dimension))
        _check(outcome, f"far cell {column},{row} {dimension}")
        assert outcome.seconds < 20, f"far cell {column},{row}: {outcome.seconds:.1f} s"

    case()


def test_damaged_plan_class(fuzz):
    """Refuse or repair every damaged field of ``schema_null.gpkg``'s class.

    A NULL schema version was a traceback; odd values in the settings loaded and crashed
    later; NaN and negatives loaded silently.
    """
    runner, seeds, work = fuzz
    assert "no valid schema version" in _reproducer(runner, "schema_null.gpkg")

    @settings(_FUZZ, max_examples=2 * EXAMPLES)
    @given(drops=st.lists(st.integers(0, len(PLAN_TABLES) - 1), max_size=1),
           changes=st.lists(st.tuples(st.integers(0, len(PLAN_FIELDS) - 1),
                                      st.integers(0, len(ODD_VALUES) - 1)),
                            min_size=1, max_size=3))
    def values(drops, changes):
        data = damage_plan(seeds[".gpkg"], work, drops, changes)
        _check(runner.run(".gpkg", data), f"plan drops {drops} changes {changes}")

    @_FUZZ
    @given(ops=edits)
    def plan_bytes(ops):
        _check(runner.run(".gpkg", mutate(seeds[".gpkg"], ops)), f"plan bytes {ops}")

    values()
    plan_bytes()


# ------------------------------------------------------------------ value classes, in process
HEADER = "Account ID,Account Name,Latitude,Longitude,Visit Frequency,Potential\n"
absurd_number = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["1e308k", "1e-320", "1000000000x/day", "1e308", "-0", "0x/week", "NaN",
                     "inf", "∞", "1,000,000,000", "9" * 400, "1e99999", "$-1e308"]),
)


def test_absurd_numbers_class(tmp_path):
    """Import every number of ``repro_hang_freq.csv``'s class in range, or refuse it.

    A frequency of 1000000000x/day imported and the scheduler hung; 1e308k imported as
    infinity. Every number imports in range or the row (or the value) is refused with its
    line, column and reason.
    """
    result = import_accounts(BAD_INPUT / "repro_hang_freq.csv")
    assert {a.id: a.every_weeks for a in result.accounts} == {"A1": None, "A2": None}
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.skipped) == (2, "Visit Frequency", False)

    @settings(_FUZZ, max_examples=4 * EXAMPLES)
    @given(frequency=absurd_number, potential=absurd_number)
    def case(frequency, potential):
        path = tmp_path / "n.csv"
        path.write_text(HEADER + f'A1,One,39.29,-76.60,"{frequency}","{potential}"\n',
                        encoding="utf-8")
        result = import_accounts(path)
        for a in result.accounts:
            assert a.every_weeks is None or MIN_EVERY_WEEKS <= a.every_weeks <= MAX_EVERY_WEEKS
            assert a.potential is None or (math.isfinite(a.potential) and a.potential >= 0)
        for p in result.problems:
            assert p.line == 2 and p.column in ("Visit Frequency", "Potential") and p.reason

    case()


MINUSES = ("-", "\u2212", "\u2013", "\u2012", "\u2014", "\ufe63", "\uff0d")


@st.composite
def signed_coordinate(draw, limit: float, letters: str):
    """(text as a CRM might write it, the value it means) for one coordinate."""
    magnitude = draw(st.floats(0.001, limit - 0.001).map(lambda v: round(v, 4)))
    negative = draw(st.booleans())
    style = draw(st.sampled_from(["sign", "prefix", "suffix", "spaced"]))
    text = f"{magnitude:.4f}"
    if style == "sign":
        text = (draw(st.sampled_from(MINUSES)) if negative else draw(st.sampled_from(["", "+"]))
                ) + text
    else:
        letter = letters[1] if negative else letters[0]
        text = {"prefix": f"{letter}{text}", "suffix": f"{text}{letter}",
                "spaced": f"{text} {letter}"}[style]
    return text, -magnitude if negative else magnitude


def test_coordinate_sign_class(tmp_path):
    """Keep every coordinate sign of ``sign_loss.csv``'s class, or refuse the row.

    Unicode minus, en dash, W and S prefixes lost their sign. Every coordinate imports with
    the sign written, or its row is refused.
    """
    result = import_accounts(BAD_INPUT / "sign_loss.csv")
    assert all(a.lon < 0 for a in result.accounts if a.id != "A3")

    @settings(_FUZZ, max_examples=4 * EXAMPLES)
    @given(lat=signed_coordinate(90.0, "NS"), lon=signed_coordinate(180.0, "EW"))
    def case(lat, lon):
        path = tmp_path / "s.csv"
        path.write_text(f"Account ID,Account Name,Latitude,Longitude\nA1,One,{lat[0]},{lon[0]}\n",
                        encoding="utf-8")
        result = import_accounts(path)
        if result.accounts:
            (a,) = result.accounts
            assert (a.lat, a.lon) == (lat[1], lon[1]), (lat, lon)
        else:
            (p,) = result.problems
            assert p.line == 2 and p.skipped and p.reason

    case()
