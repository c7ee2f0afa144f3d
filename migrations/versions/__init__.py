"""Alembic versions, one small migration per schema change."""
