"""No binary float anywhere in the money code: no float literal, no float() call, no float
annotation. The one allowed mention is `isinstance(x, float)`, which is how floats are
refused (that refusal is tested in tests/backoffice/domain/test_money.py)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MONEY_PACKAGES = ["backoffice/domain", "backoffice/db", "backoffice/refdata", "backoffice/ledger",
                  "backoffice/settlement", "gateway/matching", "gateway/risk", "gateway/core", "gateway/fix"]


def float_uses(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    refusals = {
        id(arg)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "isinstance"
        for arg in ast.walk(call.args[1])
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, float):
            found.append(f"{path.relative_to(root)}:{node.lineno}: float literal {node.value!r}")
        elif isinstance(node, ast.Name) and node.id == "float" and id(node) not in refusals:
            found.append(f"{path.relative_to(root)}:{node.lineno}: uses float")
    return found


def test_money_code_has_no_floats():
    files = [p for package in MONEY_PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 10
    assert [use for path in files for use in float_uses(path)] == []


def test_the_scan_finds_floats(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("x = 0.5\ny = float('1')\nok = isinstance(x, float)\n")
    assert float_uses(sample, tmp_path) == ["sample.py:1: float literal 0.5", "sample.py:2: uses float"]
