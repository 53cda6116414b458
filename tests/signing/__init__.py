"""Tests for the signing and validation core (khuyenhoc_docs.signing)."""
