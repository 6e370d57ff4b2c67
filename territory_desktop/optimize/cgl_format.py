"""Reader and checker for Cordeau-Gendreau-Laporte (1997) periodic VRP instances.

Instance (type 1): ``type m n t``; t lines ``D Q``; then vertices, depot first:
``i x y service demand frequency n_combinations comb...`` (bit 0 of a combination = day 1).
Solution (``.res``): the cost, then ``day vehicle duration load 0 c1 ... 0`` per route.
Distances are Euclidean and not rounded.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from territory_desktop.optimize.pvrp import PVRPProblem

__all__ = [
    "CGLFormatError",
    "CGLInstance",
    "CGLRoute",
    "CGLSolution",
    "check_solution",
    "read_instance",
    "read_solution",
    "to_problem",
]


class CGLFormatError(ValueError):
    """The file is not a readable CGL periodic VRP instance or solution."""


@dataclass(frozen=True)
class CGLInstance:
    """A periodic VRP instance in Cordeau, Gendreau and Laporte's file format."""

    name: str
    type: int
    vehicles: int
    num_days: int
    max_duration: tuple[float, ...]  # per day, 0 = none
    capacity: tuple[float, ...]
    coords: np.ndarray  # (n + 1, 2), depot first
    service: np.ndarray
    demand: np.ndarray
    frequency: np.ndarray
    combinations: tuple[tuple[int, ...], ...]  # per vertex (depot: empty)

    @property
    def num_customers(self) -> int:
        """Return the number of customers (every vertex but the depot)."""
        return len(self.coords) - 1

    def distance_matrix(self) -> np.ndarray:
        """Return the Euclidean distances between all vertices, depot first."""
        diff = self.coords[:, None, :] - self.coords[None, :, :]
        dist: np.ndarray = np.sqrt((diff**2).sum(axis=2))
        return dist


@dataclass(frozen=True)
class CGLRoute:
    """One route of a CGL solution file."""

    day: int  # 1-based as in the file
    vehicle: int
    customers: tuple[int, ...]  # 1-based vertex numbers


@dataclass(frozen=True)
class CGLSolution:
    """A CGL solution file: its stated cost and its routes."""

    cost: float
    routes: tuple[CGLRoute, ...]


def read_instance(path: str | Path) -> CGLInstance:
    """Parse a CGL instance file."""
    path = Path(path)
    try:
        tokens = [line.split() for line in path.read_text().splitlines() if line.strip()]
    except OSError as exc:
        raise CGLFormatError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        typ, m, n, t = (int(x) for x in tokens[0][:4])
        if typ != 1:
            raise CGLFormatError(f"{path.name}: problem type {typ} is not a PVRP (type 1)")
        dq = [(float(a), float(b)) for a, b, *_ in tokens[1 : 1 + t]]
        rows = tokens[1 + t : 1 + t + n + 1]
        if len(rows) != n + 1:
            raise CGLFormatError(f"{path.name}: expected {n + 1} vertices, found {len(rows)}")
        coords = np.array([[float(r[1]), float(r[2])] for r in rows])
        service = np.array([float(r[3]) for r in rows])
        demand = np.array([float(r[4]) for r in rows])
        freq = np.array([int(r[5]) for r in rows])
        combs = []
        for r in rows:
            k = int(r[6])
            combs.append(tuple(int(x) for x in r[7 : 7 + k]))
            if len(combs[-1]) != k:
                raise CGLFormatError(f"{path.name}: vertex {r[0]} lists too few combinations")
    except (ValueError, IndexError) as exc:
        raise CGLFormatError(f"{path.name}: malformed instance ({exc})") from exc
    for i in range(1, n + 1):
        if not combs[i]:
            raise CGLFormatError(f"{path.name}: customer {i} has no allowed combination")
        for mask in combs[i]:
            if bin(mask).count("1") != freq[i] or mask >= 1 << t:
                raise CGLFormatError(
                    f"{path.name}: customer {i} combination {mask} does not match frequency"
                )
    return CGLInstance(
        name=path.stem,
        type=typ,
        vehicles=m,
        num_days=t,
        max_duration=tuple(a for a, _ in dq),
        capacity=tuple(b for _, b in dq),
        coords=coords,
        service=service,
        demand=demand,
        frequency=freq,
        combinations=tuple(combs),
    )


def read_solution(path: str | Path) -> CGLSolution:
    """Parse a ``.res`` reference solution."""
    path = Path(path)
    lines = [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]
    try:
        cost = float(lines[0][0])
        routes = []
        for ln in lines[1:]:
            day, veh = int(ln[0]), int(ln[1])
            seq = [int(x) for x in ln[4:]]
            routes.append(CGLRoute(day, veh, tuple(c for c in seq if c != 0)))
    except (ValueError, IndexError) as exc:
        raise CGLFormatError(f"{path.name}: malformed solution ({exc})") from exc
    return CGLSolution(cost, tuple(routes))


def route_cost(
    inst: CGLInstance, customers: Sequence[int], dist: np.ndarray | None = None
) -> float:
    """Euclidean length of depot -> customers -> depot (unrounded)."""
    dist = inst.distance_matrix() if dist is None else dist
    seq = [0, *customers, 0]
    return float(sum(dist[a, b] for a, b in itertools.pairwise(seq)))


def check_solution(
    inst: CGLInstance, routes: Sequence[CGLRoute], tol: float = 1e-6
) -> tuple[float, list[str]]:
    """Recompute the cost of ``routes`` and list every violated constraint (empty = feasible)."""
    dist = inst.distance_matrix()
    errors: list[str] = []
    days_of: dict[int, int] = {}
    per_day: dict[int, int] = {}
    cost = 0.0
    for r in routes:
        if not 1 <= r.day <= inst.num_days:
            errors.append(f"route on day {r.day} outside the horizon")
            continue
        d = r.day - 1
        per_day[d] = per_day.get(d, 0) + 1
        load = 0.0
        for c in r.customers:
            if not 1 <= c <= inst.num_customers:
                errors.append(f"unknown customer {c}")
                continue
            if days_of.get(c, 0) >> d & 1:
                errors.append(f"customer {c} visited twice on day {r.day}")
            days_of[c] = days_of.get(c, 0) | 1 << d
            load += inst.demand[c]
        length = route_cost(inst, r.customers, dist)
        cost += length
        duration = length + sum(inst.service[c] for c in r.customers)
        if load > inst.capacity[d] + tol:
            errors.append(f"day {r.day} vehicle {r.vehicle}: load {load:g} > {inst.capacity[d]:g}")
        if inst.max_duration[d] > 0 and duration > inst.max_duration[d] + tol:
            errors.append(
                f"day {r.day} vehicle {r.vehicle}: duration {duration:.3f} > "
                f"{inst.max_duration[d]:g}"
            )
    for d, k in per_day.items():
        if k > inst.vehicles:
            errors.append(f"day {d + 1} uses {k} vehicles > {inst.vehicles}")
    for c in range(1, inst.num_customers + 1):
        mask = days_of.get(c, 0)
        if mask not in inst.combinations[c]:
            errors.append(f"customer {c} visited on days mask {mask}, not an allowed combination")
    return cost, errors


def to_problem(inst: CGLInstance) -> PVRPProblem:
    """Return the instance as the engine's :class:`~territory_desktop.optimize.pvrp.PVRPProblem`.

    A customer's location is its vertex number.
    """
    from territory_desktop.optimize.pvrp import Customer, Day, PVRPProblem

    days = tuple(
        Day(
            vehicles=inst.vehicles,
            capacity=inst.capacity[d],
            max_duration=inst.max_duration[d] if inst.max_duration[d] > 0 else math.inf,
            start=0,
            end=0,
        )
        for d in range(inst.num_days)
    )
    customers = tuple(
        Customer(
            location=i,
            service=float(inst.service[i]),
            demand=float(inst.demand[i]),
            combinations=inst.combinations[i],
            name=str(i),
        )
        for i in range(1, inst.num_customers + 1)
    )
    return PVRPProblem(days=days, customers=customers, travel=inst.distance_matrix())
