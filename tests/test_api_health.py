"""/healthz and /readyz."""
import requests

from newsdesk.embedded import free_port, start_redis, stop


def test_healthz(api):
    assert requests.get(api + "/healthz").json() == {"status": "ok"}


def test_readyz_sees_redis_and_a_worker(api):
    r = requests.get(api + "/readyz")
    assert r.status_code == 200 and r.json()["workers"], r.text


def test_readyz_is_503_without_redis(tmp_path):
    from newsdesk.app import create_app

    port = free_port()
    proc = start_redis(port, str(tmp_path), appendonly=False)
    app = create_app({"NEWSDESK_REDIS_URL": f"redis://127.0.0.1:{port}/0"})
    client = app.test_client()
    r = client.get("/readyz")  # Redis up but no worker consumes this broker
    assert r.status_code == 503 and "worker" in r.get_json()["detail"]
    stop([proc])
    r = client.get("/readyz")
    assert r.status_code == 503 and "Redis" in r.get_json()["detail"] and r.headers["Retry-After"]
