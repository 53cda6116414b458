"""Document workflow: drafting, submission, signing, withdrawal (plain Python over sessions)."""
