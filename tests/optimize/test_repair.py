"""The border repair on small constructed neighbour graphs."""

from __future__ import annotations

import numpy as np

from territory_desktop.model.contiguity import Adjacency
from territory_desktop.optimize._feedback import Feedback
from territory_desktop.optimize.repair import RepairState, repair_band


def test_the_repair_looks_past_its_window_for_a_move_that_keeps_territories_whole():
    # Territory 0 (47.5% over) is a comb: a spine, and 70 teeth of a heavy account holding a
    # light tip on; each heavy one borders territory 1 (20% under). Its 70 moves help most
    # and each would cut off its tip; one lighter account on the spine's end can leave safely.
    # The repair looked at the best 64 moves only and gave up without moving anything.
    teeth = 70
    spine = np.arange(teeth)
    heavy, tip = spine + teeth, spine + 2 * teeth
    safe, b0, b1 = 3 * teeth, 3 * teeth + 1, 3 * teeth + 2
    u = np.concatenate((spine[:-1], spine, heavy, heavy, [safe, safe, b0]))
    v = np.concatenate((spine[1:], heavy, tip, np.full(teeth, b0), [0, b0, b1]))
    n = b1 + 1
    labels = np.zeros(n, np.int64)
    labels[[b0, b1]] = 1
    base = np.ones(n)
    base[tip], base[safe], base[[b0, b1]] = 0.1, 0.5, 40.0
    state = RepairState(labels, np.ones(n, bool), base, np.zeros(n), np.zeros((2, n)),
                        np.zeros((2, n)), np.ones(n), np.array([100.0, 100.0]), 0.05,
                        np.zeros(2))
    before = state.violation().sum()
    assert repair_band(state, Adjacency(n, u, v), Feedback()) >= 1
    assert state.labels[safe] == 1
    assert state.violation().sum() < before
