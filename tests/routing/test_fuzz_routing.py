"""Property-based fuzzing of the routing inputs.

Property-based fuzzing of the routing inputs (issue 9): damaged OSM extracts in every
encoding, damaged network files, bad points files. Each case runs the command line in a
worker process and must end in success or a one-line error naming the file, within
``CASE_TIMEOUT_S``, with no crash signal. A fixed number of derandomized examples runs here;
``benchmarks/fuzz_routing.py`` runs longer, random ones.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from routing_fuzz import OSM_KINDS, Runner, damage_arrays, mutate, seed_bytes

EXAMPLES = 12
_FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])  # fmt: skip

edit = st.tuples(st.sampled_from(["truncate", "flip", "set", "insert", "delete"]),
                 st.floats(0.0, 1.0), st.integers(0, 255))  # fmt: skip
edits = st.lists(edit, min_size=1, max_size=6)
array_edit = st.tuples(st.integers(0, 17), st.floats(0.0, 1.0),
                       st.sampled_from([-1, 0, 1, 2**31 - 1, -(2**31), 10**6, 127, -128]))


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz")
    seeds = seed_bytes(work)
    runner = Runner(work)
    # the undamaged inputs succeed (so the damage is what each case tests)
    for kind in (*OSM_KINDS, ".npz"):
        assert runner.run(kind, seeds[kind]).what == "success", kind
    assert runner.run(".csv", seeds[".csv"], str(work / "seed.npz")).what == "success"
    yield runner, seeds, str(work / "seed.npz")
    runner.close()


def _check(outcome, label):
    assert outcome.ok, f"{label}: {outcome.what}: {outcome.detail}"


@pytest.mark.parametrize("kind", OSM_KINDS)
def test_damaged_extracts(fuzz, kind):
    runner, seeds, _ = fuzz

    @_FUZZ
    @given(ops=edits)
    def case(ops):
        _check(runner.run(kind, mutate(seeds[kind], ops)), f"{kind} {ops}")

    case()


def test_damaged_network_file_bytes(fuzz):
    runner, seeds, _ = fuzz

    @_FUZZ
    @given(ops=edits)
    def case(ops):
        _check(runner.run(".npz", mutate(seeds[".npz"], ops)), f".npz {ops}")

    case()


def test_damaged_network_file_values(fuzz):
    runner, seeds, _ = fuzz

    @settings(_FUZZ, max_examples=2 * EXAMPLES)
    @given(changes=st.lists(array_edit, min_size=1, max_size=4))
    def case(changes):
        _check(runner.run(".npz", damage_arrays(seeds[".npz"], changes)), f"arrays {changes}")

    case()


points_text = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.sampled_from(["utf-16", "utf-32", "latin-1", "cp1252"]).map(
        lambda enc: "id,lat,lon\nÅsa,42.5078,1.5211\nb,42.5441,1.5149\n".encode(enc)),
    st.integers(1, 300_000).map(lambda n: b"id,lat,lon\n" + b"x" * n + b",42.5,1.52\n"),
)


def test_bad_points_files(fuzz):
    runner, seeds, net = fuzz

    @settings(_FUZZ, max_examples=2 * EXAMPLES)
    @given(data=points_text, ops=st.lists(edit, max_size=3))
    def case(data, ops):
        _check(runner.run(".csv", mutate(seeds[".csv"][:11] + data, ops), net), f"points {ops}")

    case()
