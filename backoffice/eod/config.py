"""The scheduler's configuration (config/scheduler.toml): which jobs run when, and how failures
are retried and reported. Every problem is reported as `FILE: key: problem` before anything runs.

    [end_of_day]            # the pipeline, on trading days only, at this exchange-local time
    at = "15:30"            # HH:MM or HH:MM:SS, after the day session's close
    grace_minutes = 360     # a scheduler down at the fire time runs it on start within this
    [margin_call_deadline]
    check_every_minutes = 5 # how often due margin calls are checked (0: never)
    [statements]
    at = "17:00"            # statements of recent settled days that are missing or out of date ("": off)
    days_back = 5           # trading days looked back
    formats = ["txt", "json", "csv", "pdf"]
    [retry]                 # transient database failures (busy, locked, disconnected)
    attempts = 5
    first_backoff_seconds = 1
    max_backoff_seconds = 30
    [alert]
    command = []            # run on a permanent failure, the message on its stdin
    [paths]
    gateway_status = "var/fix/status.json"
    statements = "var/statements"
    settlement = "var/settlement"

A missing file means every default.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from .retry import RetryPolicy

DEFAULT_PATH = Path("config/scheduler.toml")
STATEMENT_FORMATS = ("txt", "json", "csv", "pdf")


class ConfigError(ValueError):
    """Every problem of the file, one per line."""


@dataclass(frozen=True, slots=True)
class Paths:
    gateway_status: Path = Path("var/fix/status.json")
    statements: Path = Path("var/statements")
    settlement: Path = Path("var/settlement")


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    eod_at: time = time(15, 30)
    grace_minutes: int = 360
    deadline_check_minutes: int = 5
    statements_at: time | None = time(17, 0)
    statements_days_back: int = 5
    statement_formats: tuple[str, ...] = STATEMENT_FORMATS
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    alert_command: tuple[str, ...] = ()
    paths: Paths = field(default_factory=Paths)
    source: str = "defaults"


_KEYS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "end_of_day": {"at": str, "grace_minutes": int},
    "margin_call_deadline": {"check_every_minutes": int},
    "statements": {"at": str, "days_back": int, "formats": list},
    "retry": {"attempts": int, "first_backoff_seconds": (int, float), "max_backoff_seconds": (int, float)},
    "alert": {"command": list},
    "paths": {"gateway_status": str, "statements": str, "settlement": str},
}


def load_config(path: Path, *, required: bool = False) -> SchedulerConfig:
    """The configuration in `path`; defaults when it does not exist (unless `required`)."""
    if not path.exists():
        if required:
            raise ConfigError(f"{path}: no such file")
        return SchedulerConfig()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return parse_config(data, str(path))


def parse_config(data: dict[str, Any], source: str) -> SchedulerConfig:
    problems: list[str] = []

    def problem(key: str, text: str) -> None:
        problems.append(f"{source}: {key}: {text}")

    for section, value in data.items():
        if section not in _KEYS:
            problem(section, f"unknown section (known: {', '.join(_KEYS)})")
        elif not isinstance(value, dict):
            problem(section, "must be a table")
        else:
            for key, item in value.items():
                expected = _KEYS[section].get(key)
                if expected is None:
                    problem(f"{section}.{key}", f"unknown key (known: {', '.join(_KEYS[section])})")
                elif isinstance(item, bool) or not isinstance(item, expected):
                    problem(f"{section}.{key}", f"must be {_type_name(expected)}, got {item!r}")
    if problems:
        raise ConfigError("\n".join(problems))

    def get(section: str, key: str, default: Any) -> Any:
        return data.get(section, {}).get(key, default)

    defaults = SchedulerConfig()
    eod_at = _time(get("end_of_day", "at", None), "end_of_day.at", problem) or defaults.eod_at
    statements_value = get("statements", "at", None)  # "" turns the job off
    statements_at = None if statements_value == "" else _time(statements_value, "statements.at", problem) or defaults.statements_at
    grace = get("end_of_day", "grace_minutes", defaults.grace_minutes)
    check = get("margin_call_deadline", "check_every_minutes", defaults.deadline_check_minutes)
    days_back = get("statements", "days_back", defaults.statements_days_back)
    formats = tuple(get("statements", "formats", list(defaults.statement_formats)))
    attempts = get("retry", "attempts", defaults.retry.attempts)
    first = get("retry", "first_backoff_seconds", defaults.retry.first_backoff)
    longest = get("retry", "max_backoff_seconds", defaults.retry.max_backoff)
    command = tuple(get("alert", "command", []))
    for key, value, low in (("end_of_day.grace_minutes", grace, 0), ("margin_call_deadline.check_every_minutes", check, 0),
                            ("statements.days_back", days_back, 1), ("retry.attempts", attempts, 1)):
        if value < low:
            problem(key, f"must be at least {low}, got {value}")
    if first <= 0 or longest < first:
        problem("retry", f"need 0 < first_backoff_seconds <= max_backoff_seconds, got {first} and {longest}")
    unknown = [f for f in formats if f not in STATEMENT_FORMATS]
    if unknown or not formats:
        problem("statements.formats", f"choose from {', '.join(STATEMENT_FORMATS)}, got {list(formats)}")
    if not all(isinstance(part, str) and part for part in command):
        problem("alert.command", "must be a list of non-empty strings (the program and its arguments)")
    if problems:
        raise ConfigError("\n".join(problems))
    paths = Paths(**{key: Path(value) for key, value in data.get("paths", {}).items()})
    return SchedulerConfig(
        eod_at=eod_at, grace_minutes=grace, deadline_check_minutes=check, statements_at=statements_at,
        statements_days_back=days_back, statement_formats=formats,
        retry=RetryPolicy(attempts, first, longest), alert_command=command, paths=paths, source=source,
    )


def _time(value: Any, key: str, problem: Any) -> time | None:
    if value is None:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        problem(key, f"must be HH:MM or HH:MM:SS, got {value!r}")
        return None


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", list: "a list"}
    kinds = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(names[k] for k in kinds)
