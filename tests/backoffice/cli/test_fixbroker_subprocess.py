"""The installed `fixbroker` console script, run as a real process."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from paths import VENUE


def fixbroker_executable() -> str:
    beside = Path(sys.executable).with_name("fixbroker")
    found = str(beside) if beside.exists() else shutil.which("fixbroker")
    if found is None:
        pytest.fail("the fixbroker console script is not installed; run `make test` (pip install -e .)")
    return found


def run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FIXBROKER_DB": db_url, "FIXBROKER_OPERATOR": "subprocess-test"}
    return subprocess.run([fixbroker_executable(), *args], capture_output=True, text=True, env=env, timeout=120)


def test_full_setup_as_an_operator_would_run_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    assert run(url, "db", "upgrade").returncode == 0
    current = run(url, "db", "current")
    assert "up to date" in current.stdout
    load = run(url, "ref", "load", str(VENUE))
    assert load.returncode == 0, load.stderr
    assert "loaded as change set 1" in load.stdout
    deposit = run(url, "cash", "deposit", "C000202", "300000", "--reference", "SP-1")
    assert deposit.returncode == 0 and "balance 300,000.00" in deposit.stdout
    listing = run(url, "cash", "list")
    assert "subprocess-test" in listing.stdout
    refused = run(url, "cash", "withdraw", "C000202", "300000.01", "--reference", "SP-2")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: withdrawal of 300,000.01 from C000202 refused")


def test_help_and_errors_exit_as_documented(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    helped = run(url, "--help")
    assert helped.returncode == 0
    for group in ("db", "ref", "cash", "accounts"):
        assert group in helped.stdout
    missing = run(url, "ref", "load", str(tmp_path / "absent.toml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
