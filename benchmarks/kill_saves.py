"""Kill a process at random moments while it saves a plan, many times; count broken files.

Issue 9's goal: 0 corrupt files after 1,000 random kills. A child process saves two plans of
``--accounts`` accounts in turn, forever; the parent SIGKILLs it after a random delay within a few
saves' time, then checks the file: SQLite ``quick_check``, the plan loads, and it is one whole
generation (every account written by the same save). Temporary files left by the killed saves are
counted, then one more save in the folder must remove them.

Command (from the repository root)::

    python benchmarks/kill_saves.py --kills 1000
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "io"))

from _env import header, load  # noqa: E402
from save_kills import CHILD, whole_generation  # noqa: E402

from territory_desktop.io.planfile import load_plan, save_plan  # noqa: E402
from territory_desktop.model.plan import Account, Plan  # noqa: E402


def main() -> None:
    """Run the kills and print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    header(f"random kills during saves: {args.kills} kills of a process saving {args.accounts} "
           "accounts in a loop")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        target = folder / "plan.gpkg"
        sized = Plan(name="gen-0")
        for i in range(args.accounts):
            sized.accounts[f"gen-0-{i}"] = Account(f"gen-0-{i}", f"Account {i}", 39.0, -76.6)
        started = time.perf_counter()
        save_plan(sized, target)
        window = 2.5 * (time.perf_counter() - started)
        save_plan(Plan(name="gen-0"), target)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
        broken: list[str] = []
        generations: dict[str, int] = {}
        most_leftovers = 0
        begun = time.perf_counter()
        for kill in range(args.kills):
            child = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(args.accounts)],
                                     stdout=subprocess.PIPE, env=env)
            assert child.stdout is not None
            if child.stdout.readline().strip() != b"ready":
                raise SystemExit("the child did not start")
            time.sleep(rng.uniform(0.0, window))
            os.kill(child.pid, signal.SIGKILL)
            child.wait()
            child.stdout.close()
            most_leftovers = max(most_leftovers, sum(1 for p in folder.iterdir() if p != target))
            try:
                name = whole_generation(target, args.accounts)
                generations[name] = generations.get(name, 0) + 1
            except Exception as exc:  # every kind of damage is counted, not raised
                broken.append(f"kill {kill}: {exc}")
        elapsed = time.perf_counter() - begun
        save_plan(load_plan(target), target)
        left_after_save = [p.name for p in folder.iterdir() if p != target]
    print(f"kills: {args.kills} in {elapsed:.0f} s (kill window {window:.2f} s, "
          f"{args.accounts} accounts per save)")
    print(f"file after each kill, by generation: {dict(sorted(generations.items()))}")
    print(f"corrupt or mixed files: {len(broken)}")
    for line in broken[:20]:
        print(f"  {line}")
    print(f"most temporary files right after a kill (opening the plan removes them): "
          f"{most_leftovers}; left after one more save: {left_after_save}")
    print(f"# after: {load()}; one saving process at a time")


if __name__ == "__main__":
    main()
