"""The per-subscription pacer of ARM requests (toolkit.arm.client.Pacer), on its own: a clock and a sleep of the
test's, so the waits it decides are read back as numbers, never timed."""

from __future__ import annotations

import contextlib
import threading
import time

from toolkit.arm.client import Pacer, pacer_for, retry_note

REMAINING_WRITES = "x-ms-ratelimit-remaining-subscription-writes"
REMAINING_READS = "x-ms-ratelimit-remaining-subscription-reads"
FAR = 1000.0  # a deadline no test reaches (on a test's clock)


class Clock:
    """Time that passes only when the pacer sleeps; every sleep recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def far() -> float:
    """A deadline no test reaches, on the real clock (the pacers of the tests that wait on other threads)."""
    return time.monotonic() + FAR


def answer(pacer: Pacer, method: str, status: int, headers: dict[str, str], deadline: float = FAR) -> None:
    """One request through the pacer, answered at once."""
    with pacer.sending(method, deadline) as turn:
        turn.answered(status, headers)


def blocked(pacer: Pacer, method: str) -> tuple[threading.Thread, threading.Event]:
    """A request waiting for its turn on a thread of its own; the event is set once it is sent."""
    went = threading.Event()

    def send() -> None:
        with pacer.sending(method, far()):
            went.set()

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread, went


def test_a_429_holds_every_request_of_its_kind_for_its_retry_after():
    clock = Clock()
    pacer = Pacer("test", clock=lambda: clock.now, sleep=clock.sleep)
    answer(pacer, "PATCH", 429, {"retry-after": "5"})
    clock.now += 2.0  # two seconds pass before the next write

    answer(pacer, "GET", 200, {REMAINING_READS: "100"})  # reads are another budget: not held
    assert clock.slept == []
    answer(pacer, "PUT", 200, {REMAINING_WRITES: "9"})
    assert clock.slept == [3.0]  # the rest of the five seconds
    answer(pacer, "DELETE", 200, {REMAINING_WRITES: "8"})
    assert clock.slept == [3.0]


def test_a_retry_after_past_the_deadline_is_not_waited():
    clock = Clock()
    pacer = Pacer("test", clock=lambda: clock.now, sleep=clock.sleep)
    answer(pacer, "POST", 429, {"retry-after": "60"})

    answer(pacer, "POST", 429, {"retry-after": "59"}, deadline=30.0)  # sent at once: its 429 is its answer

    assert clock.slept == []


def test_no_more_requests_go_than_the_budget_has_room_for():
    pacer = Pacer("test")
    answer(pacer, "PATCH", 200, {REMAINING_WRITES: "2"}, far())
    with contextlib.ExitStack() as on_their_way:
        first = on_their_way.enter_context(pacer.sending("PATCH", far()))
        on_their_way.enter_context(pacer.sending("PATCH", far()))
        thread, went = blocked(pacer, "PATCH")  # a third: two left, two on their way
        assert not went.wait(0.3)
        first.answered(200, {REMAINING_WRITES: "5"})  # the window refilled
        on_their_way.close()
        assert went.wait(5)
    thread.join(5)


def test_an_empty_budget_sends_one_request_at_a_time():
    pacer = Pacer("test")
    answer(pacer, "PATCH", 200, {REMAINING_WRITES: "0"}, far())
    with pacer.sending("PATCH", far()) as probe:  # nothing on its way: one goes, to learn whether it refilled
        thread, went = blocked(pacer, "PATCH")
        assert not went.wait(0.3)
        probe.answered(200, {REMAINING_WRITES: "59"})
    assert went.wait(5)
    thread.join(5)


def test_an_earlier_requests_late_answer_is_older_news():
    pacer = Pacer("test")
    earlier, later = pacer.sending("PATCH", far()), pacer.sending("PATCH", far())
    earlier_turn, later_turn = earlier.__enter__(), later.__enter__()
    later_turn.answered(200, {REMAINING_WRITES: "0"})
    later.__exit__(None, None, None)
    earlier_turn.answered(200, {REMAINING_WRITES: "3"})  # counted before the later one: it knows less
    earlier.__exit__(None, None, None)

    with pacer.sending("PATCH", far()) as probe:
        thread, went = blocked(pacer, "PATCH")
        assert not went.wait(0.3), "the budget is spent: the stale 3 must not let a second request go"
        probe.answered(200, {REMAINING_WRITES: "10"})
    assert went.wait(5)
    thread.join(5)


def test_one_pacer_per_subscription_and_endpoint():
    one = pacer_for("https://management.azure.com/subscriptions/AAAA/resourceGroups/x", "other")
    same = pacer_for("https://MANAGEMENT.azure.com/subscriptions/aaaa/providers/y", "other")
    without_one = pacer_for("https://management.azure.com/providers/z", "aaaa")
    elsewhere = pacer_for("http://127.0.0.1:8123/subscriptions/aaaa/resourceGroups/x", "aaaa")

    assert one is same is without_one and one is not elsewhere


def test_a_429_is_re_sent_whatever_the_method_and_says_so():
    assert retry_note("POST", 429, 2) == " (after 2 retries)"
    assert retry_note("POST", 503, 0, "the job may or may not have been created") == (
        " (not retried: POST; the job may or may not have been created)"
    )
