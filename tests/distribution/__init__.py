"""Tests of the distribution core: mailer, acknowledgement tokens, register export."""
