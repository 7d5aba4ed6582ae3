"""Liveness and readiness probes."""
import logging

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from ..errors import ProblemError

log = logging.getLogger(__name__)
blp = Blueprint("health", __name__, description="Health checks")


@blp.route("/healthz")
class Health(MethodView):
    @blp.response(200)
    def get(self):
        """The process is alive."""
        return {"status": "ok"}


@blp.route("/readyz")
class Ready(MethodView):
    @blp.response(200)
    def get(self):
        """Redis answers and at least one worker answers a ping."""
        ext = current_app.extensions["newsdesk"]
        try:
            ext.store.ping()
        except Exception as exc:
            raise ProblemError("service-unavailable", f"Redis is not reachable: {exc}",
                               headers={"Retry-After": "5"}) from None
        try:
            replies = current_app.extensions["celery"].control.ping(timeout=1.0)
        except Exception as exc:
            raise ProblemError("service-unavailable", f"The broker is not reachable: {exc}",
                               headers={"Retry-After": "5"}) from None
        if not replies:
            raise ProblemError("service-unavailable", "No worker answered within 1 s.",
                               headers={"Retry-After": "5"})
        return {"status": "ready", "workers": sorted(k for r in replies for k in r)}
