"""Alembic migrations (run through khuyenhoc_docs.migrate)."""
