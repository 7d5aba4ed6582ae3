"""RabbitMQ as the broker (the store a Redis Cluster): the same round trips and the same
at-least-once delivery. Skipped, saying why, where no RabbitMQ answers on the machine."""
import os
import signal

import pytest
import requests

from newsdesk.store import Store

from .conftest import wait_for
from .test_api_search import test_cursor_pagination_newest_first, test_search_filters_and_cleans_on_delete  # noqa: F401
from .test_end_to_end import (  # noqa: F401
    test_a_failing_analyzer_fails_only_its_own_section, test_every_seed_comes_back_done_with_all_four_sections,
    test_reanalyze_named_analyzer, test_requirements_are_added_to_a_subset)


@pytest.fixture
def api(rabbitmq_stack):
    return rabbitmq_stack["base"]


def test_at_least_once_settings_hold_with_rabbitmq(rabbitmq_stack):
    from newsdesk.app import create_app

    env = {k: v for k, v in rabbitmq_stack["env"].items() if k.startswith("NEWSDESK_")}
    conf = create_app(env).extensions["celery"].conf
    assert conf.broker_url.startswith("amqp://") and conf.broker_transport is None
    assert conf.task_acks_late and conf.task_reject_on_worker_lost and conf.worker_prefetch_multiplier >= 1


def test_worker_child_killed_mid_document_is_redelivered_and_completes_once(api, submit, redis_cluster,
                                                                             rabbitmq_stack):
    """RabbitMQ requeues the unacknowledged message of a killed child (reject_on_worker_lost)."""
    store = Store.from_url(redis_cluster["url"], prefix="rabbit")
    doc_id = submit({"text": "one two three", "analyzers": ["napper"]})["id"]

    def running_pid():
        section = requests.get(f"{api}/v1/documents/{doc_id}", timeout=10).json()["analysis"]["napper"]
        return section.get("status") == "running" and int(section["worker"].rsplit(":", 1)[1])

    os.kill(wait_for(running_pid, 60, what="napper running"), signal.SIGKILL)
    done = wait_for(lambda: (lambda b: b["status"] == "done" and b)(
        requests.get(f"{api}/v1/documents/{doc_id}", params={"wait": 5}, timeout=10).json()), 120, what="done")
    assert done["analysis"]["napper"]["result"] == {"words": 3}
    wait_for(lambda: store.r.get(f"test:completions:{doc_id}"), 10, what="completion hook")
    assert store.r.get(f"test:completions:{doc_id}") == b"1"
