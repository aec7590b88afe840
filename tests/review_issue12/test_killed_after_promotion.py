"""A pipeline run killed after its model was promoted (the definition and its metrics record written) but before
the run's state recorded the outcome, then run again: it must end as the uninterrupted run did, without training
a second time, and a promote-if-better gate must not refuse the model this very run promoted."""

from __future__ import annotations

import json

from tests.fleet.conftest import linear_csv, noisy_csv
from tests.pipeline.test_pipeline import RUN, committed, submits, write_pipeline
from tests.review_issue12.conftest import rewrite_unit, state_file


def test_a_rerun_after_a_kill_between_the_promotion_and_its_record_in_the_state_neither_trains_nor_refuses(live):
    repo, proxy = live
    # The first run of the pipeline has no record to compare with; this run has one: "better" is judged.
    first = write_pipeline(repo, noisy_csv(3, spread=40000.0), gate={}, name="first.pipeline.yaml")
    assert repo.run("pipeline", "run", first, "--run", "first").exit_code == 0
    pipeline = write_pipeline(repo, linear_csv(seed=9), gate={"promoteIfBetter": ["Root Mean Squared Error"]})
    ran = repo.run("pipeline", "run", pipeline, "--run", RUN, "-o", "json")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    [row] = ran.json()["result"]["services"]
    files, trained = committed(repo), submits(proxy)
    # kill -9 after the record was written and the job deleted: the state still holds only the job's id.
    rewrite_unit(repo, "housing-predict", keep=(), job=row["jobId"])

    again = repo.run("pipeline", "run", pipeline, "--run", RUN, "-o", "json")

    assert again.exit_code == 0, again.stdout + again.stderr
    [resumed] = again.json()["result"]["services"]
    assert resumed["action"] == "promoted" and resumed["model"] == row["model"]
    assert submits(proxy) == trained  # nothing trained twice
    assert committed(repo) == files
    assert json.loads(state_file(repo).read_text())["units"]["housing-predict"]["outcome"] == "promoted"
