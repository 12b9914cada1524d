"""Alembic migrations of the run history (env.py + versions/), run by ``database.migrate``."""
