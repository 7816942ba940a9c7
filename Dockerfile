# The archive's application image: the web app (gunicorn), the worker and the `archive` CLI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    ARCHIVE_DATA_DIR=/data

# Runtime libraries for OCR: onnxruntime needs libgomp1; OpenCV (pulled in by rapidocr) may
# need libgl1 and libglib2.0-0.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libgomp1 libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, in their own layer, so that a code change does not reinstall them:
# install the project from pyproject.toml over empty packages, then drop the project itself.
COPY pyproject.toml ./
RUN mkdir -p service storage search \
    && touch service/__init__.py storage/__init__.py search/__init__.py \
    && pip install --no-cache-dir . \
    && pip uninstall -y kehu-archive \
    && rm -rf build *.egg-info service storage search

# The project. The code also runs from /app (PYTHONPATH), because the app finds templates/,
# service/web/static/ and service/translations/ next to the service package.
COPY . .
RUN pip install --no-cache-dir --no-deps . \
    && rm -rf build *.egg-info \
    && if [ -d service/translations ]; then pybabel compile -d service/translations -f || true; fi

# Run as an unprivileged user; /data (the search index volume) belongs to it, and a fresh named
# volume mounted there takes over this ownership.
RUN groupadd --system --gid 10001 archive \
    && useradd --system --uid 10001 --gid archive --home-dir /app --no-create-home archive \
    && mkdir -p /data \
    && chown archive:archive /data
USER archive

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# MALLOC_ARENA_MAX=1 as in scripts/run: one malloc arena per web process, not one per thread that
# keeps the buffers of the uploads it took.
# PROMETHEUS_MULTIPROC_DIR as in scripts/run: /metrics sums the two workers' counts (emptied at
# every start); the app logs each request as JSON itself, so no gunicorn access log.
CMD ["sh", "-c", "rm -rf /tmp/metrics && mkdir -p /tmp/metrics && exec env MALLOC_ARENA_MAX=1 PROMETHEUS_MULTIPROC_DIR=/tmp/metrics gunicorn --workers 2 --threads 4 --bind 0.0.0.0:8000 --timeout 120 'service.app:create_app()'"]
