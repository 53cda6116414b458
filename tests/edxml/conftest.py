"""Fixtures of the receiving side: an app that runs jobs at once, and a PDF signed by its chairs."""
from __future__ import annotations

import pytest

from khuyenhoc_docs.pki_store import ensure_demo_pki
from khuyenhoc_docs.signing.validation import validate_pdf
from tests.conftest import make_app
from tests.test_distribution_flow import signed_doc


@pytest.fixture
def exchange_app(data_dir):
    app = make_app(data_dir, jobs_immediate=True)
    yield app
    app.extensions["khd.engine"].dispose()


@pytest.fixture
def signed_pdf(exchange_app) -> bytes:
    client = exchange_app.test_client()
    doc_id, h = signed_doc(client)
    pdf = client.get(f"/api/v1/documents/{doc_id}/file", headers=h).data
    assert validate_pdf(pdf, trust_roots=[ensure_demo_pki(exchange_app.config["KHD_SETTINGS"].pki_dir).ca.cert]).ok
    return pdf
