"""deploy/scaled: the scaled-out shape validates and its settings are ones the service accepts."""
import yaml

from newsdesk.config import Settings

from .test_deploy import DEPLOY, check_compose


def test_scaled_compose_validates_and_has_the_scaled_out_shape():
    path = DEPLOY / "scaled" / "compose.yaml"
    run = check_compose(path)
    assert run.returncode == 0, run.stdout + run.stderr
    services = yaml.safe_load(path.read_text())["services"]
    assert services["api"]["deploy"]["replicas"] >= 2
    pools = {name: s["command"][s["command"].index("-Q") + 1] for name, s in services.items()
             if s.get("command", [None])[0] == "worker"}
    assert pools == {"worker": "newsdesk", "worker-heavy": "heavy"}  # one pool per queue
    assert {"redis-1", "redis-2", "redis-3", "rabbitmq"} <= set(services)
    env = {k: v.replace("${RABBITMQ_PASSWORD:?set RABBITMQ_PASSWORD}", "pw")
           for k, v in services["api"]["environment"].items()}
    settings = Settings.from_env(env)
    assert settings.cluster and settings.broker.startswith("amqp://")
