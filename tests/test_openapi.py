"""The generated OpenAPI 3.1 document is valid and covers every route."""
import re

import requests
from openapi_spec_validator import validate


def test_openapi_validates_and_matches_routes(api):
    spec = requests.get(api + "/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    from newsdesk.app import create_app

    app = create_app({"NEWSDESK_REDIS_URL": "redis://127.0.0.1:1/0", "NEWSDESK_LOAD_PLUGINS": ""})
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static",) or rule.endpoint.startswith(("api-docs", "pages.")):  # HTML, not API
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes[path] = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {p: set(ops) - {"parameters"} for p, ops in spec["paths"].items()}
    for path, methods in routes.items():
        if path in ("/metrics",):
            continue
        assert path in documented, f"{path} missing from OpenAPI"
        assert methods <= documented[path], (path, methods, documented[path])
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if method == "parameters":
                continue
            codes = set(op["responses"])
            assert any(c.startswith("2") for c in codes), (path, method)
            assert "default" in codes or any(c.startswith(("4", "5")) for c in codes), (path, method)


def test_docs_page(api):
    r = requests.get(api + "/v1/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
