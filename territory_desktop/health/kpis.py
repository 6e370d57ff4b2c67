"""Health KPIs per territory, per rep and for the team over one period.

Everything is computed column-wise with numpy: opportunities and visits are summed per account
once, then per territory, rep or team; the only Python loops run over territories and reps.
The period P is a run of whole months, ``[start, end)``, seen as of a day ``as_of`` (default
its last day): deals closed and visits logged after ``as_of`` are not counted, and what is due
is prorated to the elapsed part ``[start, as_of]``, so a quarter in progress is judged on track.

Definitions
-----------
- ``pipeline``: amount of open opportunities expected to close in P (close date in P, or no close
  date and created before P ends). It is today's pipeline: an export holds no stage history.
- ``quota``: the rep's quotas prorated by the months they share with P. A rep with several
  territories has it split by their potential (equally when none has potential).
- ``won`` / ``won_deals`` / ``lost_deals``: opportunities won / lost with a close date in P
  (up to ``as_of``).
- ``coverage_ratio``: pipeline / (quota - won); None without a quota, once the quota is met,
  or once P is over (``as_of`` is its last day): no pipeline can close in it any more.
- ``attainment``: won / quota.
- ``win_rate``: won deals / (won + lost deals); needs ``min_deals`` closed deals.
- ``avg_deal``: won amount / won deals; ``cycle_days``: mean days from created to close of the
  deals won in P. Both need ``min_deals`` won deals.
- ``velocity``: pipeline deals x avg_deal x win_rate / cycle_days (money per day).
- ``visit_coverage``: share of A and B accounts whose visits meet their cadence: at least
  floor(elapsed weeks / every_weeks) logged visits (visit-log entries "done" and activities of
  type visit, one per account and day, from P's start to ``as_of``), or a rotation that plans at
  least floor(weeks(P) / every_weeks) visits in P (the account's visits per cycle scaled to P's
  length). An account with no visit due yet is covered.
  ``a_coverage``: the same for A accounts only.
- ``potential_captured``: won / (annual potential x elapsed days / 365).
- ``white_space``: high-potential accounts (the top ``white_space_top_share`` of the plan's
  accounts by potential, ties included) with no opportunity open at any time in P (created
  before P ends and still open, or closed on or after P's start) and no logged visit in P.
- ``utilisation``: :func:`territory_desktop.model.workload.workloads`' figure for the rep.
- ``workload_share`` / ``potential_share``: the territory's part of the team's visit hours /
  potential (territories only; unassigned accounts count for the team alone).

A figure that cannot be given is None, and ``reasons[name]`` says why.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from territory_desktop.health.period import Period
from territory_desktop.health.results import CrmResults, Table
from territory_desktop.health.settings import HealthError, HealthSettings
from territory_desktop.model.cadence import visits_due
from territory_desktop.model.plan import TIERS, Plan

__all__ = ["RATIO_KPIS", "HealthKpis", "Kpis", "compute_kpis", "deals_per_account"]

RATIO_KPIS = ("coverage_ratio", "attainment", "win_rate", "avg_deal", "cycle_days", "velocity",
              "visit_coverage", "a_coverage", "potential_captured", "utilisation")
"""The KPIs that may be None (with a reason)."""

_COUNTS = ("accounts", "tier_A", "tier_B", "tier_C", "won_deals", "lost_deals", "pipeline_deals",
           "ab_accounts", "ab_covered", "a_accounts", "a_covered")
_SUMS = ("accounts", "tier_A", "tier_B", "tier_C", "potential", "won", "won_deals",
         "lost_deals", "pipeline", "pipeline_deals", "cycle_days_sum", "ab_accounts",
         "ab_covered", "a_accounts", "a_covered")


@dataclass(frozen=True)
class Kpis:
    """The KPIs of one territory, one rep or the team.

    ``key`` is the territory's id, the rep's id or None for the team. See the module docstring
    for the definitions.
    """

    key: str | None
    name: str
    rep_id: str | None
    accounts: int
    by_tier: dict[str, int]
    potential: float
    quota: float | None
    won: float
    won_deals: int
    lost_deals: int
    pipeline: float
    pipeline_deals: int
    coverage_ratio: float | None
    attainment: float | None
    win_rate: float | None
    avg_deal: float | None
    cycle_days: float | None
    velocity: float | None
    visit_coverage: float | None
    a_coverage: float | None
    potential_captured: float | None
    white_space: int
    white_space_accounts: tuple[str, ...]
    utilisation: float | None
    workload_share: float | None = None
    potential_share: float | None = None
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthKpis:
    """KPIs of every territory (plan order), every rep (plan order) and the team for a period.

    ``notes`` tells what was left out (e.g. opportunities of accounts no longer in the plan).
    """

    period: Period
    as_of: dt.date
    territories: tuple[Kpis, ...]
    reps: tuple[Kpis, ...]
    team: Kpis
    settings: HealthSettings
    notes: tuple[str, ...] = ()

    def territory(self, territory_id: str) -> Kpis:
        """Return the KPIs of territory ``territory_id``."""
        return next(k for k in self.territories if k.key == territory_id)


def compute_kpis(
    plan: Plan,
    results: CrmResults,
    period: Period,
    settings: HealthSettings | None = None,
    territory_of: Mapping[str, str | None] | None = None,
    as_of: dt.date | None = None,
    progress: Callable[[float, str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    scheduled_drive_hours: Callable[[str], float | None] | None = None,
) -> HealthKpis:
    """KPIs per territory, per rep and for the team over ``period``.

    Parameters
    ----------
    settings
        Thresholds and minimum evidence (default: the plan's, ``plan.health.settings``).
    as_of
        The day the figures are taken, within the period (default: its last day).
    territory_of
        Account id -> territory id; :func:`~territory_desktop.geo.assignment.assign_accounts`
        when None.
    progress, should_stop
        Optional callbacks; a True ``should_stop()`` raises :class:`HealthError`.
    scheduled_drive_hours
        Rep id -> scheduled driving per week (None where no rotation is timed on road times):
        the utilisation then counts it, as the territory table and the Rotation panel do.
        Asked only once the inputs are known to be good.
    """
    from territory_desktop.geo.assignment import assign_accounts
    from territory_desktop.model.workload import workloads

    settings = settings or plan.health.settings
    last_day = period.end - dt.timedelta(days=1)
    as_of = last_day if as_of is None else as_of
    if not period.start <= as_of <= last_day:
        raise HealthError(f"the day the figures are taken ({as_of}) is not in {period}")
    upto = _day(as_of + dt.timedelta(days=1))

    def step(fraction: float, message: str) -> None:
        if should_stop is not None and should_stop():
            raise HealthError(f"cancelled while {message}")
        if progress is not None:
            progress(fraction, message)

    step(0.0, "assigning accounts")
    if territory_of is None:
        territory_of = assign_accounts(plan).territory_of
    accounts = _Accounts(plan, territory_of)
    step(0.2, "summing opportunities")
    notes: list[str] = []
    per_account = accounts.sums()
    per_account.update(_deal_sums(results.opportunities, accounts.position, period, upto,
                                  notes))
    step(0.5, "counting visits")
    per_account.update(_visit_sums(plan, results.activities, accounts, period, upto))
    white_space = (_high_potential(accounts.potential, settings)
                   & (per_account["active_deals"] == 0) & (per_account["logged_visits"] == 0))
    step(0.7, "computing workloads")
    load = {w.territory_id: w
            for w in workloads(plan, territory_of, scheduled_drive_hours or (lambda _rep: None))
            if w.territory_id is not None}
    rep_quota = _rep_quotas(results.quotas, period)
    build = _Builder(period, settings, (as_of + dt.timedelta(days=1) - period.start).days)

    step(0.8, "aggregating per territory")
    by_territory = _group_sums(per_account, accounts.territory)
    white_by_territory = _white_space_ids(accounts, white_space, accounts.territory)
    total_potential = sum(by_territory[t]["potential"] for t in plan.territories
                          if t in by_territory)
    territories = []
    for t in plan.territories.values():
        sums = by_territory.get(t.id, _zero_sums())
        quota = _territory_quota(plan, t.id, rep_quota, by_territory)
        w = load.get(t.id)
        territories.append(build.kpis(
            t.id, t.name, t.rep_id, sums, white_by_territory.get(t.id, ()), quota,
            w.utilisation if w else None, w.share if w else None,
            sums["potential"] / total_potential if total_potential else None))

    by_rep = _group_sums(per_account, accounts.rep)
    white_by_rep = _white_space_ids(accounts, white_space, accounts.rep)
    reps = []
    for rep in plan.reps.values():
        owned = [k for k in territories if k.rep_id == rep.id]
        utilisation = next((k.utilisation for k in owned if k.utilisation is not None), None)
        reps.append(build.kpis(
            rep.id, rep.name, rep.id, by_rep.get(rep.id, _zero_sums()),
            white_by_rep.get(rep.id, ()), rep_quota.get(rep.id), utilisation,
            _sum_or_none(k.workload_share for k in owned),
            _sum_or_none(k.potential_share for k in owned)))

    team_sums = {name: per_account[name].sum() for name in _SUMS}
    rep_loads = [k.utilisation for k in reps if k.utilisation is not None]
    team = build.kpis(
        None, "Team", None, team_sums,
        tuple(np.asarray(accounts.ids, dtype=object)[white_space].tolist()),
        sum(rep_quota.values()) if rep_quota else None,
        sum(rep_loads) / len(rep_loads) if rep_loads else None, None, None)
    unassigned = int((np.array([t is None for t in accounts.territory.tolist()], dtype=bool)
                      & ((per_account["won_deals"] + per_account["lost_deals"]
                          + per_account["pipeline_deals"]) > 0)).sum())
    if unassigned:
        notes.append(f"{unassigned} accounts outside every territory have deals in "
                     f"{period}; they count for the team only")
    step(1.0, "done")
    return HealthKpis(period, as_of, tuple(territories), tuple(reps), team, settings,
                      tuple(notes))


def deals_per_account(results: CrmResults, account_ids: Iterable[str], period: Period,
                      as_of: dt.date) -> Table:
    """Each account's deal sums over ``period`` as of ``as_of``, the ones the KPIs add up.

    Columns ``account_id`` (``account_ids`` in that order; zeros for accounts without deals),
    ``won``, ``won_deals``, ``lost_deals``, ``pipeline``, ``pipeline_deals``, ``cycle_days_sum``
    and ``active_deals``. Deals of other accounts are left out.
    """
    ids = list(account_ids)
    position = {a: i for i, a in enumerate(ids)}
    sums = _deal_sums(results.opportunities, position, period,
                      _day(as_of + dt.timedelta(days=1)), [])
    return Table({"account_id": np.array(ids, dtype=object), **sums})


def _day(value: dt.date) -> np.datetime64:
    return np.datetime64(value, "D")


class _Accounts:
    """The plan's accounts as columns, in plan order, with their territory and rep."""

    def __init__(self, plan: Plan, territory_of: Mapping[str, str | None]) -> None:
        accounts = list(plan.accounts.values())
        rep_of = {t.id: t.rep_id for t in plan.territories.values()}
        territory = [territory_of.get(a.id) for a in accounts]
        territory = [t if t in rep_of else None for t in territory]
        self.ids = [a.id for a in accounts]
        self.position = {a: i for i, a in enumerate(self.ids)}
        self.territory = _objects(territory)
        self.rep = _objects(rep_of.get(t) if t is not None else None for t in territory)
        self.tier = _objects(a.tier for a in accounts)
        self.potential = np.array([a.potential or 0.0 for a in accounts], dtype=np.float64)
        self.every_weeks = np.array([plan.settings.cadence_for(a)[0] for a in accounts],
                                    dtype=np.float64)

    def __len__(self) -> int:
        return len(self.ids)

    def sums(self) -> dict[str, np.ndarray]:
        """Return the per-account columns summed as they are: accounts, tiers, potential."""
        out = {"accounts": np.ones(len(self), dtype=np.int64), "potential": self.potential}
        for tier in TIERS:
            out[f"tier_{tier}"] = (self.tier == tier).astype(np.int64)
        return out


def _objects(values: Iterable[object]) -> np.ndarray:
    items = list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _positions(ids: np.ndarray, position: Mapping[str, int]) -> np.ndarray:
    """Each id's position in the plan's accounts (-1: not in the plan), looked up once per id."""
    items = ids.tolist()
    distinct = {v: position.get(v, -1) for v in dict.fromkeys(items)}
    return np.fromiter(map(distinct.__getitem__, items), np.intp, len(items))


def _deal_sums(opp: Table, position: Mapping[str, int], period: Period, upto: np.datetime64,
               notes: list[str]) -> dict[str, np.ndarray]:
    """Sum each account's opportunities over the period.

    Columns: won, won_deals, lost_deals, pipeline, pipeline_deals, cycle_days_sum and
    active_deals (open at some time in the period).
    """
    # Positions in the plan's accounts, summed with bincount: several times faster than a
    # grouping by 200,000 text ids (the map sizes accounts with these sums on every pick).
    where = _positions(opp["account_id"], position)
    known = where >= 0
    if not known.all():
        notes.append(f"{int((~known).sum())} opportunities belong to accounts no longer in "
                     "the plan; left out")
        opp, where = opp.take(known), where[known]
    start, end = _day(period.start), _day(period.end)
    status, closed, created = opp["status"], opp["closed"], opp["created"]
    closed_in = (closed >= start) & (closed < upto)
    won = (status == "won") & closed_in
    pipe = (status == "open") & (((closed >= start) & (closed < end))
                                 | (np.isnat(closed) & (created < end)))
    amount = opp["amount"]
    flags = {
        "won": np.where(won, amount, 0.0),
        "won_deals": won,
        "lost_deals": (status == "lost") & closed_in,
        "pipeline": np.where(pipe, amount, 0.0),
        "pipeline_deals": pipe,
        "cycle_days_sum": np.where(won, (closed - created).astype(np.int64), 0).astype(float),
        "active_deals": (created < end) & ((status == "open") | (closed >= start)),
    }
    n = len(position)
    return {name: np.bincount(where, weights=column.astype(float), minlength=n).astype(
                np.float64 if column.dtype.kind == "f" else np.int64)
            for name, column in flags.items()}


def _iso_days(texts: Iterable[str]) -> np.ndarray:
    """``YYYY-MM-DD`` texts as days; anything else is NaT (the visit log writes ISO dates)."""
    parsed: dict[str, np.datetime64] = {}
    out = []
    for text in texts:
        if text not in parsed:
            try:
                parsed[text] = np.datetime64(dt.date.fromisoformat(text), "D")
            except (TypeError, ValueError):
                parsed[text] = np.datetime64("NaT", "D")
        out.append(parsed[text])
    return np.array(out, dtype="datetime64[D]")


def _visit_sums(plan: Plan, activities: Table, accounts: _Accounts,
                period: Period, upto: np.datetime64) -> dict[str, np.ndarray]:
    """Per account: logged and planned visits, whether they meet the cadence, tier flags."""
    start = _day(period.start)
    done = [(e.account_id, e.date) for e in plan.visit_log if e.status == "done"]
    visits = activities["type"] == "visit"
    where = np.concatenate([
        _positions(_objects(a for a, _ in done), accounts.position),
        _positions(activities["account_id"][visits], accounts.position)])
    days = np.concatenate([_iso_days(d for _, d in done), activities["date"][visits]])
    inside = (where >= 0) & (days >= start) & (days < upto)
    offset = (days[inside] - start).astype(np.int64)
    # one per account and day: the visit log and the CRM may both hold a visit
    pairs = np.unique(where[inside].astype(np.int64) * (offset.max(initial=0) + 1) + offset)
    logged_visits = np.bincount(pairs // (offset.max(initial=0) + 1),
                                minlength=len(accounts)).astype(np.int64)

    cycle = [(accounts.position.get(v.account_id, -1), 1.0 / s.weeks)
             for s in plan.schedules.values() for v in s.visits]
    at = np.array([p for p, _ in cycle], dtype=np.intp)
    per_week = np.array([w for _, w in cycle], dtype=np.float64)
    planned = _kahan_sums(at[at >= 0], per_week[at >= 0, None], len(accounts))[:, 0] * period.weeks
    every = accounts.every_weeks
    due_so_far = visits_due(int((upto - start).astype(int)) / 7.0, every)
    due_in_period = visits_due(period.weeks, every)
    covered = (logged_visits >= due_so_far) | (planned >= due_in_period - 1e-9)
    ab = (accounts.tier == "A") | (accounts.tier == "B")
    a = accounts.tier == "A"
    return {
        "logged_visits": logged_visits,
        "ab_accounts": ab.astype(np.int64),
        "ab_covered": (covered & ab).astype(np.int64),
        "a_accounts": a.astype(np.int64),
        "a_covered": (covered & a).astype(np.int64),
    }


def _high_potential(potential: np.ndarray, settings: HealthSettings) -> np.ndarray:
    positive = np.sort(potential[potential > 0])[::-1]
    if not len(positive):
        return np.zeros(len(potential), dtype=bool)
    k = max(1, math.ceil(len(positive) * settings.white_space_top_share - 1e-9))
    high: np.ndarray = (potential > 0) & (potential >= positive[k - 1])
    return high


def _kahan_sums(groups: np.ndarray, values: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum the rows of ``values`` per group, in row order, with Kahan compensation.

    These are the figures the KPIs have always given, to the last bit (a naive sum can differ
    in the last digit; ``tests/io/test_results_golden.py`` holds them). The k-th row of every
    group is added at once, so the loop runs as many times as the largest group has rows.
    """
    total = np.zeros((n_groups, values.shape[1]))
    compensation = np.zeros_like(total)
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    rank = np.arange(len(order)) - np.searchsorted(ordered, ordered)
    by_rank = order[np.argsort(rank, kind="stable")]  # every group's first row, then second...
    bounds = np.searchsorted(np.sort(rank), np.arange(int(rank.max(initial=-1)) + 2))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        rows = by_rank[lo:hi]
        g = groups[rows]
        y = values[rows] - compensation[g]
        t = total[g] + y
        c = t - total[g] - y
        compensation[g] = np.where(np.isnan(c), 0.0, c)
        total[g] = t
    return total


def _rep_quotas(quotas: Table, period: Period) -> dict[str, float]:
    """Rep id -> quota for the period, prorated by shared months (reps without one left out)."""
    first, months = quotas["first_month"], quotas["months"]
    lo = np.maximum(first, period.first_month)
    hi = np.minimum(first + months, period.first_month + period.months)
    shared = np.maximum(hi - lo, 0)
    keep = shared > 0
    amount = quotas["amount"][keep] * shared[keep] / months[keep]
    reps = quotas["rep_id"][keep]
    names = sorted(set(reps.tolist()))  # in rep id order, as a grouping sorts its keys
    codes = np.array([names.index(r) for r in reps.tolist()], dtype=np.intp)
    sums = _kahan_sums(codes, amount[:, None], len(names))[:, 0]
    return {str(r): float(v) for r, v in zip(names, sums.tolist(), strict=True)}


def _territory_quota(plan: Plan, territory_id: str, rep_quota: Mapping[str, float],
                     sums: Mapping[str, Mapping[str, float]]) -> float | None:
    rep_id = plan.territories[territory_id].rep_id
    if rep_id is None or rep_id not in rep_quota:
        return None
    owned = [t.id for t in plan.territories.values() if t.rep_id == rep_id]
    potential = {t: sums[t]["potential"] if t in sums else 0.0 for t in owned}
    total = sum(potential.values())
    share = potential[territory_id] / total if total else 1.0 / len(owned)
    return rep_quota[rep_id] * share


def _group_sums(per_account: Mapping[str, np.ndarray],
                by: np.ndarray) -> dict[str, dict[str, float]]:
    keys = by.tolist()
    names = sorted({k for k in keys if k is not None})
    code_of = {k: i for i, k in enumerate(names)}
    codes = np.array([code_of.get(k, -1) for k in keys], dtype=np.intp)
    inside = codes >= 0
    floats = [n for n in _SUMS if n not in _COUNTS]
    float_sums = _kahan_sums(codes[inside],
                             np.column_stack([per_account[n][inside] for n in floats]),
                             len(names))
    out: dict[str, dict[str, float]] = {}
    for i, key in enumerate(names):
        row: dict[str, float] = dict(zip(floats, float_sums[i].tolist(), strict=True))
        out[str(key)] = row
    for n in _COUNTS:
        counts = np.bincount(codes[inside], weights=per_account[n][inside],
                             minlength=len(names)).astype(np.int64).tolist()
        for key, count in zip(names, counts, strict=True):
            out[str(key)][n] = count
    return {k: {n: v[n] for n in _SUMS} for k, v in out.items()}


def _white_space_ids(accounts: _Accounts, white_space: np.ndarray,
                     by: np.ndarray) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for i in np.flatnonzero(white_space).tolist():
        if by[i] is not None:
            found.setdefault(str(by[i]), []).append(accounts.ids[i])
    return {k: tuple(v) for k, v in found.items()}


def _zero_sums() -> dict[str, float]:
    return dict.fromkeys(_SUMS, 0.0)


def _sum_or_none(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


class _Builder:
    """Turns summed figures into :class:`Kpis`, with a reason for every None."""

    def __init__(self, period: Period, settings: HealthSettings, elapsed_days: int) -> None:
        self.period, self.settings, self.elapsed_days = period, settings, elapsed_days

    def kpis(self, key: str | None, name: str, rep_id: str | None, s: Mapping[str, float],
             white: tuple[str, ...], quota: float | None, utilisation: float | None,
             workload_share: float | None, potential_share: float | None) -> Kpis:
        reasons: dict[str, str] = {}
        p, need = self.period, self.settings.min_deals
        won, won_n, lost_n = float(s["won"]), int(s["won_deals"]), int(s["lost_deals"])
        pipeline, pipe_n = float(s["pipeline"]), int(s["pipeline_deals"])

        def enough(count: int, what: str, kpis: tuple[str, ...]) -> bool:
            if count >= need:
                return True
            why = (f"no {what}s in {p}" if count == 0 else
                   f"{count} {what}{'s' if count > 1 else ''} in {p}; at least {need} needed")
            reasons.update(dict.fromkeys(kpis, why))
            return False

        win_rate = won_n / (won_n + lost_n) if enough(won_n + lost_n, "closed deal",
                                                      ("win_rate",)) else None
        avg_deal = cycle = None
        if enough(won_n, "won deal", ("avg_deal", "cycle_days")):
            avg_deal, cycle = won / won_n, float(s["cycle_days_sum"]) / won_n
        attainment = coverage_ratio = None
        if quota is None:
            reasons["attainment"] = reasons["coverage_ratio"] = f"no quota for {p}"
        elif quota <= 0:
            reasons["attainment"] = reasons["coverage_ratio"] = f"the quota for {p} is zero"
        else:
            attainment = won / quota
            if self.elapsed_days >= p.days:
                reasons["coverage_ratio"] = f"{p} is over: no pipeline can close in it any more"
            elif quota - won > 0:
                coverage_ratio = pipeline / (quota - won)
            else:
                reasons["coverage_ratio"] = f"the quota for {p} is already met"
        velocity = None
        if win_rate is None or avg_deal is None or cycle is None:
            reasons["velocity"] = "needs the win rate, average deal and cycle length"
        elif cycle <= 0:
            reasons["velocity"] = "the won deals closed the day they were created"
        else:
            velocity = pipe_n * avg_deal * win_rate / cycle
        ab, a = int(s["ab_accounts"]), int(s["a_accounts"])
        if not ab:
            reasons["visit_coverage"] = "no A or B accounts"
        if not a:
            reasons["a_coverage"] = "no A accounts"
        potential = float(s["potential"])
        scaled_potential = potential * self.elapsed_days / 365.0
        if not scaled_potential:
            reasons["potential_captured"] = "no potential recorded"
        if utilisation is None:
            reasons["utilisation"] = "no rep" if rep_id is None else "no workload figure"
        return Kpis(
            key=key, name=name, rep_id=rep_id, accounts=int(s["accounts"]),
            by_tier={t: int(s[f"tier_{t}"]) for t in TIERS}, potential=potential,
            quota=quota, won=won, won_deals=won_n, lost_deals=lost_n, pipeline=pipeline,
            pipeline_deals=pipe_n, coverage_ratio=coverage_ratio, attainment=attainment,
            win_rate=win_rate, avg_deal=avg_deal, cycle_days=cycle, velocity=velocity,
            visit_coverage=int(s["ab_covered"]) / ab if ab else None,
            a_coverage=int(s["a_covered"]) / a if a else None,
            potential_captured=won / scaled_potential if scaled_potential else None,
            white_space=len(white), white_space_accounts=white, utilisation=utilisation,
            workload_share=workload_share, potential_share=potential_share, reasons=reasons)
