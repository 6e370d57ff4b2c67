"""The invented sample results: reproducible by their script, marked as invented, and usable."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from territory_desktop.resources import resource_path

SAMPLE = resource_path("sample")
ROOT = Path(__file__).resolve().parents[2]
FILES = ("opportunities.csv", "quotas.csv", "activities.csv")


def test_build_script_reproduces_the_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build_sample_results", ROOT / "scripts" / "build_sample_results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    counts = module.build(SAMPLE / "sample_plan.gpkg", tmp_path, module.SEED)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / "results" / name).read_bytes(), name
    assert counts["opportunities"] > 500 and counts["activities"] > 1000


def test_results_are_marked_as_invented() -> None:
    readme = (SAMPLE / "results" / "README.md").read_text(encoding="utf-8")
    assert "INVENTED" in readme.splitlines()[0]
    assert "results" in (SAMPLE / "README.md").read_text(encoding="utf-8").split(
        "## Results")[1]


def test_store_puts_the_results_into_the_sample_plan(tmp_path: Path, capsys) -> None:
    """``--store``: the sample plan holds its results; `tdesk plan health` reads the same."""
    import json
    import shutil

    from territory_desktop import cli
    from territory_desktop.io.planfile import load_plan

    spec = importlib.util.spec_from_file_location(
        "build_sample_results", ROOT / "scripts" / "build_sample_results.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plan_path = tmp_path / "sample_plan.gpkg"
    shutil.copy(SAMPLE / "sample_plan.gpkg", plan_path)
    counts = module.store(plan_path, SAMPLE / "results")
    lines = {name: (SAMPLE / "results" / name).read_text(encoding="utf-8").count("\n") - 1
             for name in FILES}
    assert counts == {"opportunities": lines["opportunities.csv"],
                      "quotas": lines["quotas.csv"], "activities": lines["activities.csv"]}
    assert load_plan(plan_path).health.results is not None
    files = [f"--{name.removesuffix('.csv')}={SAMPLE / 'results' / name}" for name in FILES]
    assert cli.main(["plan", "health", str(plan_path), "--json"]) == 0
    stored = json.loads(capsys.readouterr().out)
    assert cli.main(["plan", "health", str(plan_path), *files, "--json"]) == 0
    assert stored == json.loads(capsys.readouterr().out)
