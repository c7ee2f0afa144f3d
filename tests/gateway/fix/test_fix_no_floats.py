"""The FIX layer handles prices and quantities: the house scan for floats covers it too."""

from pathlib import Path

from test_no_float_in_money_code import float_uses

ROOT = Path(__file__).resolve().parents[3]


def test_fix_code_has_no_floats():
    files = sorted((ROOT / "gateway" / "fix").rglob("*.py")) + [ROOT / "backoffice" / "cli" / "sessions.py"]
    assert len(files) > 10
    assert [use for path in files for use in float_uses(path, ROOT)] == []
