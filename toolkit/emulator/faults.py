"""Fault injection and ARM throttling, both changeable while the emulator runs.

`Faults` decides, per request, whether to answer 500/503 or to drop the connection, and per
long-running operation whether it ends Failed and how long it takes. One seeded random generator
(behind a lock) makes a run repeatable: the same seed and the same request sequence give the same
faults. `Throttle` keeps ARM's per-subscription read and write budgets over a fixed window.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.emulator.router import HttpError

# What ARM reports as remaining when no budget is set (its documented hourly defaults).
DEFAULT_READS = 12000
DEFAULT_WRITES = 1200


class SettingError(ValueError):
    """A setting outside its rule. Callers name the setting their own way (a CLI option, an admin JSON key)."""

    def __init__(self, setting: str, rule: str, value: Any, *, secret: bool = False) -> None:
        super().__init__(f"{setting} {rule}")
        self.setting, self.rule, self.value, self.secret = setting, rule, value, secret

    def named(self, name: str) -> str:
        return f"{name} {self.rule}" if self.secret else f"{name} {self.rule}, got {self.value!r}"


def check_fraction(setting: str, value: Any) -> None:
    if not is_number(value) or not 0.0 <= value <= 1.0:
        raise SettingError(setting, "must be a fraction from 0 to 1", value)


def check_seconds(setting: str, value: Any, *, positive: bool = False) -> None:
    if not is_number(value) or not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise SettingError(setting, f"must be a finite number of seconds {'above' if positive else 'from'} 0", value)


def check_count(setting: str, value: Any, minimum: int, maximum: int | None = None) -> None:
    too_big = maximum is not None and isinstance(value, int) and value > maximum
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum or too_big:
        span = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise SettingError(setting, f"must be a whole number {span}", value)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class FaultSettings:
    error_rate: float = 0.0  # fraction of requests answered 500 or 503 (half each)
    drop_rate: float = 0.0  # fraction of requests whose connection is closed without an answer
    fail_rate: float = 0.0  # fraction of long-running operations that end Failed
    op_seconds: float = 0.2  # how long each long-running operation stays Provisioning
    job_seconds: float = 0.2  # how long a started BES job runs before it finishes (the runtime's)
    patch_seconds: float = 0.2  # how long a patched Classic endpoint keeps scoring with its old trained model
    seed: int | None = None

    def validate(self) -> None:
        """SettingError naming the field of the first setting outside its rule."""
        for name in ("error_rate", "drop_rate", "fail_rate"):
            check_fraction(name, getattr(self, name))
        for name in ("op_seconds", "job_seconds", "patch_seconds"):
            check_seconds(name, getattr(self, name))


FAULT_FIELDS = {
    "errorRate": "error_rate",
    "dropRate": "drop_rate",
    "failRate": "fail_rate",
    "opSeconds": "op_seconds",
    "jobSeconds": "job_seconds",
    "patchSeconds": "patch_seconds",
    "seed": "seed",
}


class Faults:
    """The live fault settings and the seeded generator behind them."""

    def __init__(self, settings: FaultSettings) -> None:
        settings.validate()
        self._lock = threading.Lock()
        self.settings = settings
        self._random = random.Random(settings.seed)

    @property
    def op_seconds(self) -> float:
        return self.settings.op_seconds

    @property
    def job_seconds(self) -> float:
        return self.settings.job_seconds

    @property
    def patch_seconds(self) -> float:
        return self.settings.patch_seconds

    @property
    def fail_rate(self) -> float:
        return self.settings.fail_rate

    def to_json(self) -> dict[str, Any]:
        values = asdict(self.settings)
        return {wire: values[attr] for wire, attr in FAULT_FIELDS.items()}

    def update(self, changes: dict[str, Any]) -> None:
        """Apply `{"errorRate": 0.1, ...}`; a `seed` restarts the generator. HttpError 400 on bad input."""
        unknown = sorted(set(changes) - set(FAULT_FIELDS))
        if unknown:
            raise HttpError(
                400, "InvalidFaultSettings", f"Unknown fault settings {unknown}; known: {list(FAULT_FIELDS)}."
            )
        values = asdict(self.settings)
        try:
            for wire, value in changes.items():
                attr = FAULT_FIELDS[wire]
                values[attr] = None if value is None and attr == "seed" else type_of(attr)(value)
            settings = FaultSettings(**values)
            settings.validate()
        except SettingError as exc:
            wire = next(wire for wire, attr in FAULT_FIELDS.items() if attr == exc.setting)
            raise HttpError(400, "InvalidFaultSettings", exc.named(wire)) from None
        except (TypeError, ValueError) as exc:
            raise HttpError(400, "InvalidFaultSettings", str(exc)) from None
        with self._lock:
            self.settings = settings
            if "seed" in changes:
                self._random = random.Random(settings.seed)

    def request_fault(self) -> str | None:
        """'drop', 500, 503 as a string, or None: what to do to the next request."""
        with self._lock:
            if self.settings.drop_rate and self._random.random() < self.settings.drop_rate:
                return "drop"
            if self.settings.error_rate and self._random.random() < self.settings.error_rate:
                return "500" if self._random.random() < 0.5 else "503"
        return None

    def operation_fails(self) -> bool:
        with self._lock:
            return bool(self.settings.fail_rate) and self._random.random() < self.settings.fail_rate


def type_of(attr: str) -> type:
    return int if attr == "seed" else float


@dataclass
class ThrottleSettings:
    reads: int | None = None  # read budget per subscription per window; None = not enforced
    writes: int | None = None
    window_seconds: float = 3600.0

    def validate(self) -> None:
        """SettingError naming the field of the first setting outside its rule (a budget of 0 throttles all)."""
        for name in ("reads", "writes"):
            if getattr(self, name) is not None:
                check_count(name, getattr(self, name), minimum=0)
        check_seconds("window_seconds", self.window_seconds, positive=True)


THROTTLE_FIELDS = {"reads": "reads", "writes": "writes", "windowSeconds": "window_seconds"}


@dataclass
class _Window:
    started: float
    reads: int = 0
    writes: int = 0


@dataclass
class Throttle:
    settings: ThrottleSettings
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def to_json(self) -> dict[str, Any]:
        return {"reads": self.settings.reads, "writes": self.settings.writes,
                "windowSeconds": self.settings.window_seconds}  # fmt: skip

    def update(self, changes: dict[str, Any]) -> None:
        unknown = sorted(set(changes) - set(THROTTLE_FIELDS))
        if unknown:
            raise HttpError(
                400, "InvalidThrottleSettings", f"Unknown throttle settings {unknown}; known: {list(THROTTLE_FIELDS)}."
            )
        values = asdict(self.settings)
        try:
            for wire, value in changes.items():
                attr = THROTTLE_FIELDS[wire]
                values[attr] = float(value) if attr == "window_seconds" else (None if value is None else int(value))
            settings = ThrottleSettings(**values)
            settings.validate()
        except SettingError as exc:
            wire = next(wire for wire, attr in THROTTLE_FIELDS.items() if attr == exc.setting)
            raise HttpError(400, "InvalidThrottleSettings", exc.named(wire)) from None
        except (TypeError, ValueError) as exc:
            raise HttpError(400, "InvalidThrottleSettings", str(exc)) from None
        with self._lock:
            self.settings = settings
            self._windows.clear()

    def spend(self, subscription: str, write: bool) -> dict[str, str]:
        """Count one request; its rate-limit headers, or HttpError 429 with Retry-After when spent."""
        kind = "writes" if write else "reads"
        now = time.monotonic()
        with self._lock:
            budget = getattr(self.settings, kind)
            window = self._windows.get(subscription.lower())
            if window is None or now - window.started >= self.settings.window_seconds:
                window = self._windows[subscription.lower()] = _Window(now)
            used = getattr(window, kind)
            if budget is not None and used >= budget:
                retry_after = max(1, math.ceil(window.started + self.settings.window_seconds - now))
                raise HttpError(
                    429,
                    "SubscriptionRequestsThrottled",
                    f"Number of '{kind[:-1]}' requests for subscription '{subscription}' exceeded. "
                    f"Please try again after '{retry_after}' seconds after additional tokens are available.",
                    headers={"Retry-After": str(retry_after), f"x-ms-ratelimit-remaining-subscription-{kind}": "0"},
                )
            setattr(window, kind, used + 1)
            remaining = (budget if budget is not None else (DEFAULT_WRITES if write else DEFAULT_READS)) - used - 1
        return {f"x-ms-ratelimit-remaining-subscription-{kind}": str(max(remaining, 0))}
