"""config/scheduler.toml: defaults, every value read, every problem named with file and key."""

from datetime import time
from pathlib import Path

import pytest

from backoffice.eod.config import ConfigError, SchedulerConfig, load_config
from paths import ROOT


def test_a_missing_file_means_the_defaults_unless_it_was_asked_for(tmp_path):
    assert load_config(tmp_path / "none.toml") == SchedulerConfig()
    with pytest.raises(ConfigError, match="none.toml: no such file"):
        load_config(tmp_path / "none.toml", required=True)


def test_the_shipped_file_is_valid():
    config = load_config(ROOT / "config" / "scheduler.toml", required=True)
    assert config.eod_at == time(15, 30) and config.retry.attempts >= 1


def test_every_value_is_read(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[end_of_day]\nat = "15:45:30"\ngrace_minutes = 90\n[margin_call_deadline]\ncheck_every_minutes = 0\n'
        '[statements]\nat = ""\ndays_back = 2\nformats = ["txt", "json"]\n'
        '[retry]\nattempts = 2\nfirst_backoff_seconds = 0.5\nmax_backoff_seconds = 4\n'
        '[alert]\ncommand = ["notify", "--eod"]\n[paths]\nstatements = "/srv/st"\n'
    )
    config = load_config(path)
    assert (config.eod_at, config.grace_minutes, config.deadline_check_minutes) == (time(15, 45, 30), 90, 0)
    assert (config.statements_at, config.statements_days_back, config.statement_formats) == (None, 2, ("txt", "json"))
    assert (config.retry.attempts, config.retry.first_backoff, config.retry.max_backoff) == (2, 0.5, 4.0)
    assert config.alert_command == ("notify", "--eod") and config.paths.statements == Path("/srv/st")
    assert config.paths.settlement == Path("var/settlement")


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        '[end_of_day]\nat = "25:00"\ngrace_minutes = -1\nlate = 1\n[retry]\nattempts = "five"\n'
        '[statements]\nformats = ["doc"]\n[alert]\ncommand = [""]\n[nope]\n'
    )
    with pytest.raises(ConfigError) as error:
        load_config(path)
    lines = str(error.value).splitlines()
    assert f"{path}: end_of_day.late: unknown key (known: at, grace_minutes)" in lines
    assert f"{path}: retry.attempts: must be an integer, got 'five'" in lines
    assert any(line.startswith(f"{path}: nope: unknown section") for line in lines)
    path.write_text('[end_of_day]\nat = "25:00"\ngrace_minutes = -1\n[statements]\nformats = ["doc"]\n[alert]\ncommand = [""]\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    lines = str(error.value).splitlines()
    assert f"{path}: end_of_day.at: must be HH:MM or HH:MM:SS, got '25:00'" in lines
    assert f"{path}: end_of_day.grace_minutes: must be at least 0, got -1" in lines
    assert any(line.startswith(f"{path}: statements.formats: choose from txt, json, csv, pdf") for line in lines)
    assert any(line.startswith(f"{path}: alert.command: must be a list of non-empty strings") for line in lines)


def test_a_broken_file_names_itself(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[end_of_day\n")
    with pytest.raises(ConfigError, match="broken.toml: "):
        load_config(path)
