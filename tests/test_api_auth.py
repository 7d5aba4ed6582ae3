"""API keys with scopes, rate limits, and a gateway path prefix with forwarded headers."""
import json
import subprocess
import sys

import requests

from .conftest import ROOT


def make_key(env, *scopes, rate_limit=0):
    args = [a for s in scopes for a in ("--scope", s)]
    r = subprocess.run([sys.executable, "-m", "newsdesk.cli", "keys", "create", "--name", "test", *args,
                        "--rate-limit", str(rate_limit)], env=env, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


def test_key_required_and_scopes_enforced(secured_api):
    base, env = secured_api["base"] + "/newsdesk", secured_api["env"]
    r = requests.post(base + "/v1/documents", json={"text": "x"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["type"].endswith("/unauthorized")
    bad = requests.get(base + "/v1/analyzers", headers={"Authorization": "Bearer nd_00000000_nope"})
    assert bad.status_code == 401
    reader = make_key(env, "read")
    auth = {"Authorization": f"Bearer {reader['key']}"}
    assert requests.get(base + "/v1/analyzers", headers=auth).status_code == 200
    r = requests.post(base + "/v1/documents", json={"text": "x"}, headers=auth)
    assert r.status_code == 403 and r.json()["required_scope"] == "write"
    writer = make_key(env, "read", "write")
    r = requests.post(base + "/v1/documents", json={"text": "x", "analyzers": ["wordcount"]},
                      headers={"Authorization": f"Bearer {writer['key']}"})
    assert r.status_code == 202
    doc = r.json()["links"]["self"]
    assert doc.startswith("/newsdesk/v1/documents/")  # links carry the gateway prefix
    assert requests.delete(secured_api["base"] + doc, headers=auth).status_code == 403
    assert requests.get(base + "/healthz").status_code == 200  # probes need no key


def test_keys_are_stored_hashed_and_revocable(secured_api, worker):
    env = secured_api["env"]
    key = make_key(env, "read")
    stored = worker["redis"].hgetall(f"newsdesk:key:{key['id']}")
    assert key["key"].encode() not in b"".join(stored.values())
    listed = subprocess.run([sys.executable, "-m", "newsdesk.cli", "keys", "list"], env=env, cwd=ROOT,
                            capture_output=True, text=True).stdout
    assert key["id"] in listed and key["key"] not in listed
    subprocess.run([sys.executable, "-m", "newsdesk.cli", "keys", "revoke", key["id"]], env=env, cwd=ROOT, check=True)
    r = requests.get(secured_api["base"] + "/v1/analyzers", headers={"Authorization": f"Bearer {key['key']}"})
    assert r.status_code == 401


def test_rate_limit_answers_429_with_retry_after(secured_api):
    key = make_key(secured_api["env"], "read", rate_limit=3)
    auth = {"Authorization": f"Bearer {key['key']}"}
    codes = [requests.get(secured_api["base"] + "/v1/analyzers", headers=auth) for _ in range(4)]
    assert [r.status_code for r in codes] == [200, 200, 200, 429]
    assert 1 <= int(codes[-1].headers["Retry-After"]) <= 60
    assert codes[-1].headers["Content-Type"].startswith("application/problem+json")


def test_forwarded_headers_shape_links(secured_api):
    key = make_key(secured_api["env"], "read", "write")
    r = requests.post(secured_api["base"] + "/v1/documents", json={"text": "x", "analyzers": ["wordcount"]},
                      headers={"Authorization": f"Bearer {key['key']}", "X-Forwarded-Prefix": "/gw",
                               "X-Forwarded-Host": "news.example.org", "X-Forwarded-Proto": "https"})
    assert r.status_code == 202
    assert r.headers["Location"].startswith("/gw/v1/documents/")
