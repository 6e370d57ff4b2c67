"""SharedDict behaves like a dict and its copies never see each other's changes."""

import copy
import pickle

import pytest

from territory_desktop.model.shared import SharedDict


def _pairs(n):
    return [(f"A{i}", i) for i in range(n)]


def test_reads_like_the_dict_it_was_built_from():
    plain = dict(_pairs(2000))
    shared = SharedDict(plain)
    assert shared == plain and len(shared) == 2000
    assert list(shared) == list(plain)
    assert list(shared.values()) == list(plain.values())
    assert list(shared.items()) == list(plain.items())
    assert shared["A1999"] == 1999 and shared.get("nope", -1) == -1 and "A5" in shared
    assert ("A5", 5) in shared.items() and 5 in shared.values()
    with pytest.raises(KeyError):
        shared["nope"]


def test_copies_are_independent_in_both_directions():
    original = SharedDict(_pairs(1000))
    changed = original.copy()
    changed["A3"] = -3
    changed["new"] = 1
    del changed["A0"]
    original["A4"] = -4
    assert original["A3"] == 3 and "new" not in original and original["A0"] == 0
    assert changed["A4"] == 4 and changed["A3"] == -3 and "A0" not in changed
    assert len(original) == 1000 and len(changed) == 1000


def test_insertion_order_survives_updates_deletes_and_re_adds():
    shared, plain = SharedDict(), {}
    for i in range(1500):
        shared[i] = plain[i] = i
    snapshot = shared.copy()
    for i in range(0, 1500, 3):
        del shared[i]
        del plain[i]
    for i in (7, 3, 1499):
        shared[i] = plain[i] = -i
    assert list(shared.items()) == list(plain.items())
    assert list(snapshot) == list(range(1500))


def test_bulk_update_keeps_first_position_and_last_value():
    shared = SharedDict([("a", 1), ("b", 2)])
    shared.update([("c", 3), ("a", 10), ("c", 30)], d=4)
    assert list(shared.items()) == [("a", 10), ("b", 2), ("c", 30), ("d", 4)]


def test_pickles_and_deep_copies():
    shared = SharedDict(_pairs(600))
    assert pickle.loads(pickle.dumps(shared)) == shared
    assert copy.deepcopy(shared) == shared
