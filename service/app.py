"""The application factory shared by the API and the worker."""
from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from typing import Mapping

from flask import Flask, g, request
from flask_smorest import Api

from werkzeug.middleware.proxy_fix import ProxyFix

from . import auth, errors, metrics
from .celery_app import celery_init_app
from .config import Settings
from .logging import configure_logging, request_id_var
from .pipeline import Pipeline
from .plugins import PluginHost, build_plugin_host, run_startup
from .schemas import ProblemSchema
from .store import Store

log = logging.getLogger(__name__)


@dataclass
class Newsdesk:
    """What the views and the task need, kept in ``app.extensions["newsdesk"]``."""

    settings: Settings
    host: PluginHost
    pipeline: Pipeline
    store: Store


class ProblemApi(Api):
    """flask-smorest's Api with RFC 9457 problem documents as the documented error shape."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self):
        default, self.DEFAULT_RESPONSE_CONTENT_TYPE = self.DEFAULT_RESPONSE_CONTENT_TYPE, "application/problem+json"
        try:
            super()._register_responses()
        finally:
            self.DEFAULT_RESPONSE_CONTENT_TYPE = default


class PrefixMiddleware:
    """Serve the app under ``prefix`` too (``/newsdesk/v1/...``), so generated links carry it."""

    def __init__(self, wsgi_app, prefix: str):
        self.wsgi_app = wsgi_app
        self.prefix = prefix

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == self.prefix or path.startswith(self.prefix + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + self.prefix
            environ["PATH_INFO"] = path[len(self.prefix):] or "/"
        return self.wsgi_app(environ, start_response)


def _document_plugins(api: Api, host: PluginHost) -> None:
    """Add what the loaded plugins contribute to the OpenAPI document: the facets' search
    parameters and each analyzer's output schema (as ``<Analyzer>Output`` components)."""
    from marshmallow import Schema

    from .indexing import search_facets
    from .schemas import facet_fields

    plugin = next(p for p in api.spec.plugins if hasattr(p, "converter"))
    schema = Schema.from_dict(facet_fields(search_facets(host.facets)), name="FacetArgs")()
    params = plugin.converter.schema2parameters(schema, location="query")
    search = api.spec._paths["/v1/documents"]["get"]  # apispec keeps no public way to amend a path
    known = {p.get("name") for p in search.get("parameters", [])}
    search.setdefault("parameters", []).extend(p for p in params if p["name"] not in known)
    first: dict[type, str] = {}  # analyzers may share one schema class: apispec takes each class once
    for name, an in sorted(host.analyzers.items()):
        component = f"{name.title().replace('_', '')}Output"
        if an.meta.output_schema in first:
            api.spec.components.schema(component, component={"$ref": f"#/components/schemas/{first[an.meta.output_schema]}"})
        else:
            first[an.meta.output_schema] = component
            api.spec.components.schema(component, schema=an.meta.output_schema)


def create_app(test_config: Mapping[str, str] | None = None, role: str = "api") -> Flask:
    """Build the app from ``NEWSDESK_*`` settings (``test_config`` overrides the environment)."""
    settings = Settings.from_env({**os.environ, **(test_config or {})})
    configure_logging(settings)
    app = Flask("newsdesk")
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        API_TITLE="Newsdesk", API_VERSION="v1", OPENAPI_VERSION="3.1.0",
        OPENAPI_URL_PREFIX="/v1", OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs", OPENAPI_SWAGGER_UI_URL="https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
    )
    app.json.sort_keys = False  # keep id and status first, as the schemas order them
    host = build_plugin_host(settings)
    store = Store.from_url(settings.redis, settings.key_prefix, settings.result_ttl_seconds, lambda: host.facets,
                           patient=role == "worker")
    app.extensions["newsdesk"] = Newsdesk(settings, host, Pipeline(host, settings), store)
    celery_init_app(app)

    api = ProblemApi(app)
    from .api.analyzers import blp as analyzers_blp
    from .api.documents import blp as documents_blp
    from .api.health import blp as health_blp

    for blp in (documents_blp, analyzers_blp, health_blp):
        api.register_blueprint(blp)
    _document_plugins(api, host)
    from .pages import bp as pages_bp

    app.register_blueprint(pages_bp)  # the page (HTML, not part of the API's OpenAPI document)

    @app.before_request
    def take_request_id():
        rid = request.headers.get("X-Request-ID", "")
        g.request_id = rid if 0 < len(rid) <= 200 and rid.isprintable() else uuid.uuid4().hex
        request_id_var.set(g.request_id)

    @app.after_request
    def give_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response

    errors.init_app(app)  # after Api, so problem documents replace smorest's error format
    auth.init_app(app)
    metrics.init_app(app)
    if settings.path_prefix:
        app.wsgi_app = PrefixMiddleware(app.wsgi_app, settings.path_prefix)
    if settings.proxy_hops:
        n = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n, x_prefix=n)

    if role == "worker" and any(a.meta.needs_parse for a in host.analyzers.values()):
        app.extensions["newsdesk"].pipeline.nlp  # load before the pool forks: children share it
    run_startup(host, app, role)
    log.info("%s started", role, extra={"analyzers": app.extensions["newsdesk"].pipeline.plan(),
                                          "problems": len(host.problems)})
    return app
