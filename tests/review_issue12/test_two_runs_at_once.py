"""Two `mlws pipeline run` of the same run at once (a cron line and a person, or two schedulers): the state file
is the run's, so the second must refuse (exit 4, nothing sent) while the first runs, not race it to the same job,
the same files and the same state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from tests.fleet.conftest import linear_csv
from tests.pipeline.test_pipeline import RUN, _wait_for, submits, world_of, write_pipeline
from tests.review_issue12.conftest import state_file


def test_a_second_run_while_the_first_is_running_is_refused_and_sends_nothing(tmp_path, mlws, start_emulator, azurite):
    repo, proxy = world_of(tmp_path, mlws, start_emulator, azurite, job_seconds=8.0)
    pipeline = write_pipeline(repo, linear_csv(seed=4))
    command = [sys.executable, "-m", "toolkit", "pipeline", "run", str(pipeline), "--run", RUN]
    first = subprocess.Popen(command, cwd=repo.root, env={**os.environ, **repo.env},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        _wait_for(lambda: state_file(repo).is_file() and "job" in json.loads(state_file(repo).read_text())["units"]
                  ["housing-predict"])  # fmt: skip
        before = len(proxy.requests)

        second = repo.run("pipeline", "run", pipeline, "--run", RUN)

        assert second.exit_code == 4, second.stdout + second.stderr
        assert "running" in second.stderr and RUN in second.stderr
        assert len(proxy.requests) == before
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, out.decode() + err.decode()
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGKILL)
            first.wait()
        proxy.__exit__(None, None, None)
    assert submits(proxy) == 1
    again = repo.run("pipeline", "run", pipeline, "--run", RUN)  # the lock went with the first run
    assert again.exit_code == 0 and "ended" in again.stdout
