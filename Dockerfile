# Production image: the app (gunicorn) and, with another command, the LibreOffice converter.
FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update && apt-get install -y --no-install-recommends \
        python3 python3-venv python3-uno libreoffice-writer-nogui fonts-liberation2 poppler-utils postgresql-client \
        ocrmypdf tesseract-ocr tesseract-ocr-vie ghostscript \
        ca-certificates curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
# --system-site-packages: the unoserver server needs Debian's python3-uno.
RUN python3 -m venv --system-site-packages /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r requirements.txt
COPY app.py ./
COPY khuyenhoc_docs ./khuyenhoc_docs
COPY templates ./templates
RUN useradd --system --home /app --uid 10001 khd && mkdir -p /data && chown khd /data
USER khd
# MALLOC_ARENA_MAX is read by glibc (not config.py): 2 heap arenas per process, smaller workers (README, Memory)
ENV PATH=/opt/venv/bin:$PATH KHD_DATA_DIR=/data MALLOC_ARENA_MAX=2
EXPOSE 5000
CMD ["gunicorn", "--workers", "4", "--threads", "4", "--timeout", "120", "--bind", "0.0.0.0:5000", "app:app"]
