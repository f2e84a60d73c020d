# Rowscout web service for Cloud Run: gunicorn, one worker, eight threads, non-root.
# Runtime dependencies only (requirements.txt); the benchmarks' and tests' extras stay out.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PORT=8080

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-compile -r requirements.txt \
    && useradd --create-home --uid 10001 rowscout

COPY service ./service
COPY main.py .
# Bytecode compiled once at build time: instances start without compiling (and cannot write to /app).
RUN python -m compileall -q service main.py

USER rowscout
EXPOSE 8080
# --timeout 0: Cloud Run owns request timeouts. 8 threads = the Cloud Run concurrency (infra/config.env
# CONCURRENCY, checked by deploy.sh): every request an instance is sent gets a thread at once.
CMD exec gunicorn --bind ":${PORT}" --workers 1 --threads 8 --timeout 0 main:app
