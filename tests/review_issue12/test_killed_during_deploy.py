"""A live pipeline run killed after its deploy was applied but before the state said so, then run again: the
service already is what the definition says, so the rerun must end deployed (exit 0), not fail on a plan with
nothing in it, and train nothing."""

from __future__ import annotations

from tests.fleet.conftest import linear_csv
from tests.pipeline.test_pipeline import RUN, submits, write_pipeline
from tests.review_issue12.conftest import rewrite_unit


def test_a_rerun_after_a_kill_between_the_deploy_and_its_record_ends_deployed(live):
    repo, proxy = live
    pipeline = write_pipeline(repo, linear_csv(seed=13), mode="live")
    ran = repo.run("pipeline", "run", pipeline, "--run", RUN)
    assert ran.exit_code == 0 and "deployed" in ran.stdout, ran.stdout + ran.stderr
    trained = submits(proxy)
    rewrite_unit(repo, "housing-predict", keep=("outcome", "message", "exitCode", "model", "jobId"))

    again = repo.run("pipeline", "run", pipeline, "--run", RUN, "-o", "json")

    assert again.exit_code == 0, again.stdout + again.stderr
    [row] = again.json()["result"]["services"]
    assert row["action"] == "promoted" and row["result"].startswith("deployed"), row
    assert submits(proxy) == trained
    assert repo.run("drift", "fleet").exit_code == 0
