#!/bin/sh
# The image's entrypoint: the first argument picks the role, so one image serves API and worker.
#   api [ARGS]      newsdesk serve on 0.0.0.0:$PORT (default 8000), $WEB_CONCURRENCY gunicorn workers
#   worker [ARGS]   newsdesk worker (extra ARGS go to `celery worker`)
#   anything else   exec'd as given (e.g. `newsdesk analyze -`, `sh`)
# ARGS after the role are appended, so `api --port 9000` overrides the default.
set -eu

role="${1:-api}"
[ "$#" -gt 0 ] && shift

# the health check reads the role, since Docker runs one HEALTHCHECK for every role
record_role() { echo "$1" > "${TMPDIR:-/tmp}/newsdesk-role" 2>/dev/null || true; }

case "$role" in
  api)
    record_role api
    exec newsdesk serve --host 0.0.0.0 --port "${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" "$@"
    ;;
  worker)
    record_role worker
    exec newsdesk worker "$@"
    ;;
  *)
    exec "$role" "$@"
    ;;
esac
