"""The order of stops with the least driving, from a travel-time matrix (a small open TSP).

Costs may be asymmetric (one-way streets). The route starts at a fixed stop and ends wherever
is best, or back at the start for a round trip. Up to :data:`EXACT_UP_TO` stops the order is
exact (Held-Karp dynamic programming, about 0.1 s at 12 stops); beyond that it is nearest
neighbour improved by 2-opt and or-opt moves until no move helps (good, not proven best).
"""

from __future__ import annotations

import numpy as np

__all__ = ["EXACT_UP_TO", "best_order", "path_cost"]

EXACT_UP_TO = 12


def path_cost(cost: np.ndarray, order: list[int], *, round_trip: bool = False) -> float:
    """Total cost of visiting ``order`` (and returning to its first stop if ``round_trip``)."""
    idx = np.asarray(order + order[:1] if round_trip else order, dtype=np.int64)
    return float(cost[idx[:-1], idx[1:]].sum())


def best_order(cost: np.ndarray, *, start: int = 0, round_trip: bool = False) -> list[int]:
    """Visit every stop once, starting at ``start``, with the least total cost.

    Parameters
    ----------
    cost
        Square matrix, ``cost[i, j]`` = seconds (or any cost) from stop ``i`` to stop ``j``.
    start
        The stop the route begins at.
    round_trip
        Also drive back to ``start`` at the end.

    Returns
    -------
    list[int]
        Stop indices in visiting order, ``start`` first.

    Raises
    ------
    ValueError
        If the matrix is not square or no order reaches every stop (infinite costs).
    """
    cost = np.asarray(cost, dtype=np.float64)
    n = cost.shape[0]
    if cost.ndim != 2 or cost.shape[1] != n:
        raise ValueError("the cost matrix must be square")
    if not 0 <= start < n:
        raise ValueError(f"start {start} is not a stop")
    if n <= 2:
        return [start, *(i for i in range(n) if i != start)]
    order = (_held_karp(cost, start, round_trip) if n <= EXACT_UP_TO
             else _improve(cost, _nearest_neighbour(cost, start), round_trip))
    # (with no finite order at all, Held-Karp's walk back stops early: a short order)
    if len(order) != n or not np.isfinite(path_cost(cost, order, round_trip=round_trip)):
        raise ValueError("some stops cannot be reached from the others")
    return order


def _held_karp(cost: np.ndarray, start: int, round_trip: bool) -> list[int]:
    others = [i for i in range(cost.shape[0]) if i != start]
    m = len(others)
    sub = cost[np.ix_(others, others)]
    # best[mask, j]: least cost from start through the stops in mask, ending at stop j (in mask)
    best = np.full((1 << m, m), np.inf)
    came = np.full((1 << m, m), -1, dtype=np.int64)
    for j in range(m):
        best[1 << j, j] = cost[start, others[j]]
    for mask in range(1, 1 << m):
        row = best[mask]
        if not np.isfinite(row).any():
            continue
        for j in range(m):
            if mask & (1 << j):
                continue
            through = row + sub[:, j]
            i = int(np.argmin(through))
            nxt = mask | (1 << j)
            if through[i] < best[nxt, j]:
                best[nxt, j] = through[i]
                came[nxt, j] = i
    full = (1 << m) - 1
    final = best[full] + (cost[others, start] if round_trip else 0.0)
    j = int(np.argmin(final))
    order = []
    mask = full
    while j >= 0:
        order.append(others[j])
        j, mask = int(came[mask, j]), mask & ~(1 << j)
    return [start, *reversed(order)]


def _nearest_neighbour(cost: np.ndarray, start: int) -> list[int]:
    order = [start]
    left = set(range(cost.shape[0])) - {start}
    while left:
        here = order[-1]
        nxt = min(left, key=lambda j: cost[here, j])
        order.append(nxt)
        left.remove(nxt)
    return order


def _improve(cost: np.ndarray, order: list[int], round_trip: bool) -> list[int]:
    """2-opt (reverse a stretch) and or-opt (move a run of 1-3 stops) until nothing helps.

    Every candidate is priced in full, so one-way asymmetry is respected when a stretch is
    driven the other way round.
    """
    best = path_cost(cost, order, round_trip=round_trip)
    n = len(order)
    improved = True
    while improved:
        improved = False
        for i in range(1, n - 1):
            for k in range(i + 1, n):
                candidate = order[:i] + order[i:k + 1][::-1] + order[k + 1:]
                c = path_cost(cost, candidate, round_trip=round_trip)
                if c < best - 1e-9:
                    order, best, improved = candidate, c, True
        for length in (1, 2, 3):
            for i in range(1, n - length + 1):
                run, rest = order[i:i + length], order[:i] + order[i + length:]
                for k in range(1, len(rest) + 1):
                    if k == i:
                        continue
                    candidate = rest[:k] + run + rest[k:]
                    c = path_cost(cost, candidate, round_trip=round_trip)
                    if c < best - 1e-9:
                        order, best, improved = candidate, c, True
                        break
    return order
