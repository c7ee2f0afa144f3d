"""Paths the tests share (a module of its own: `conftest` is not importable by name when
several conftest.py files exist)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENUE = ROOT / "config" / "venue.toml"
