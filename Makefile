# Quick start: `make run` (service with demo data) and `make test` (the whole suite).
# Both install what is missing and are safe to run twice.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_APT := libreoffice-writer-nogui python3-uno python3-venv fonts-liberation2 poppler-utils postgresql-client \
	ocrmypdf tesseract-ocr tesseract-ocr-vie ghostscript
TEST_APT := $(RUNTIME_APT) qpdf softhsm2 opensc libnss3-tools postgresql chromium wrk

.PHONY: run test lint setup setup-test deps-runtime deps-test venv bench templates clean-venv

run: deps-runtime venv
	@scripts/run.sh

test: deps-test venv
	@scripts/test.sh

lint: deps-runtime venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

deps-runtime:
	@scripts/apt-ensure.sh $(RUNTIME_APT)

deps-test:
	@scripts/apt-ensure.sh $(TEST_APT)

venv:
	@scripts/venv-ensure.sh

bench: deps-test venv
	@bench/run

templates: venv
	$(PY) -m khuyenhoc_docs.drafting.builder templates/

clean-venv:
	rm -rf $(VENV)
