"""Alembic migration environment and versions (a package so it ships with the install)."""
