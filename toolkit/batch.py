"""Many services at once: `run_batch` runs one piece of work per service on a bounded number of worker threads.

Each piece runs on one thread from start to end (its clients, pipelines and connections are its own); results
keep the order of the services whatever order they finish in. What the threads share is made for it: the one
status line (`BatchStatus`, under a lock) and ARM's per-subscription budget (toolkit.arm.client.Pacer). Nothing
may ask a question from a worker thread. Imported by the CLI for its defaults: nothing heavy at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")
Progress = Callable[[str], None]

DEFAULT_PARALLEL = 4
# ARM grants a subscription about 1200 writes an hour (toolkit.emulator.faults): far fewer threads already spend
# that faster than it refills, and each thread holds a connection of its own; more than this is a slip.
MAX_PARALLEL = 64


def check_parallel(parallel: int) -> int:
    """`parallel` when it is a whole number from 1 to MAX_PARALLEL, else BadInput (before anything is sent)."""
    from toolkit.errors import BadInput

    if isinstance(parallel, bool) or not isinstance(parallel, int) or not 1 <= parallel <= MAX_PARALLEL:
        raise BadInput(f"--parallel {parallel!r}: give how many services at once, 1 (one at a time) to {MAX_PARALLEL}")
    return parallel


class BatchStatus:
    """The one status line of a batch whose services run on several threads: how many are done and running, and
    the latest news of one; updated under a lock (a status line is no thing to write to from two threads)."""

    def __init__(self, progress: Progress | None, verb: str, total: int) -> None:
        self._progress, self._verb, self._total = progress, verb, total
        self._lock = threading.Lock()
        self._done = 0
        self._running: dict[str, str] = {}  # label -> its latest news

    def started(self, label: str) -> Progress | None:
        """The service's own progress callback (its waits), or None when nothing is shown."""
        if self._progress is None:
            return None
        with self._lock:
            self._running[label] = "starting"
            self._show(label)

        def news(message: str) -> None:
            with self._lock:
                if label in self._running:
                    self._running[label] = message
                    self._show(label)

        return news

    def finished(self, label: str) -> None:
        if self._progress is None:
            return
        with self._lock:
            self._done += 1
            self._running.pop(label, None)
            self._show(next(iter(self._running), None))

    def _show(self, label: str | None) -> None:
        line = f"{self._verb} {self._done}/{self._total} done, {len(self._running)} running"
        self._progress(line + (f"; {label}: {self._running[label]}" if label is not None else ""))


def run_batch(
    labels: list[str],
    work: Callable[[int, Progress | None], tuple[Result, bool]],
    *,
    verb: str,
    parallel: int,
    stop_at_failure: bool,
    progress: Progress | None,
) -> tuple[list[Result], list[str]]:
    """Run `work(index, progress)` for each of `labels` on `parallel` worker threads; it gives its result and
    whether it failed. With `stop_at_failure` a failure stops starting new ones (those running finish and keep
    their results). Returns the results in the order of `labels`, and the labels never started."""
    check_parallel(parallel)
    results: list[tuple[Result] | None] = [None] * len(labels)
    status = BatchStatus(progress, verb, len(labels))
    lock = threading.Lock()
    taken = 0
    stopped = False
    crashed: list[BaseException] = []  # a bug in a worker: raised again here once the others are done

    def worker() -> None:
        nonlocal taken, stopped
        while True:
            with lock:
                if stopped or taken == len(labels):
                    return
                index, taken = taken, taken + 1
            try:
                result, failed = work(index, status.started(labels[index]))
            except BaseException as error:
                with lock:
                    crashed.append(error)
                    stopped = True
                return
            finally:
                status.finished(labels[index])
            with lock:
                results[index] = (result,)
                stopped = stopped or (failed and stop_at_failure)

    # Daemon threads: Ctrl-C ends the command at once, as it does one at a time (what was sent goes on in the
    # service; running the command again resumes).
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(min(parallel, len(labels)))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    except BaseException:
        with lock:
            stopped = True
        raise
    if crashed:
        raise crashed[0]
    return [done[0] for done in results if done is not None], labels[taken:]
