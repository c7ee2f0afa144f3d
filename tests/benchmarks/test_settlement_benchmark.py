"""The settlement benchmark still runs end to end: a tiny venue through `fixbroker settle run`
and the floor, so that the figures the README quotes can always be reproduced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from paths import ROOT


def test_a_tiny_venue_is_settled_through_the_command_and_measured_against_the_floor(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "benchmarks/settlement.py", "--trades", "2000", "--clients", "300", "--members", "4", "--instruments", "5",
         "--runs", "1", "--no-linear", "--keep", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "settled 2026-03-02 as run 2: 301 level-2 and" in out  # 300 clients and trading member M001
    summary = next(fields for fields in map(str.split, out.splitlines()) if len(fields) == 7 and fields[0] == "2,000")
    _, rows_in, rows_out, settle, floor, _, _ = summary
    # Rows out: 4,000 trade lines at each level, plus lots, closes, accounts and margins.
    assert int(rows_in.replace(",", "")) > 6000 and int(rows_out.replace(",", "")) > 8000
    assert float(settle) > float(floor) > 0
    assert "targets: settle <= 30 s:" in out
    assert (tmp_path / "transfers" / "2026-03-02" / "transfers.csv").is_file()
