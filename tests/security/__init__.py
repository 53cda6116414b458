"""Hostile-input and authorization suites (issue 9 items 2 and 3)."""
