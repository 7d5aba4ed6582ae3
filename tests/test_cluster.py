"""The store on a real three-master Redis Cluster, and the API → worker → search round trips on it.

The round-trip tests of ``test_end_to_end`` and ``test_api_search`` run here again, unchanged: this
module's ``api`` fixture points them at a worker and an API whose store is the cluster.
"""
import collections
import time

import pytest
import requests

from redis.cluster import RedisCluster
from redis.exceptions import RedisClusterException

from newsdesk.analyzers import Facet, Term
from newsdesk.broker import refuse_cluster
from newsdesk.config import Settings, SettingsError
from newsdesk.indexing import day_number, norm
from newsdesk.store import CLUSTER_BUCKETS, Store, new_document_id

from .conftest import wait_for

from .test_api_search import test_cursor_pagination_newest_first, test_search_filters_and_cleans_on_delete  # noqa: F401
from .test_end_to_end import (  # noqa: F401
    test_a_failing_analyzer_fails_only_its_own_section, test_every_seed_comes_back_done_with_all_four_sections,
    test_reanalyze_named_analyzer, test_requirements_are_added_to_a_subset)

FACETS = {"people": [Facet("person", "people", lambda r: [Term(n, display=n, qualifier="x") for n in r["names"]],
                           normalize=True, qualifier="kind", listed=True),
                     Facet("seen", "people", lambda r: r.get("seen"), kind="date")]}


@pytest.fixture
def api(cluster_stack):
    return cluster_stack["base"]


@pytest.fixture
def store(redis_cluster):
    s = Store.from_url(redis_cluster["url"], prefix=f"t{time.time_ns()}", facets=lambda: FACETS)
    assert s.cluster and len(s.tags) == CLUSTER_BUCKETS
    return s


def stored(store, names, seen=None, published="2020-07-22"):
    doc_id = new_document_id()
    store.save_document(doc_id, {"text": "x", "published_at": published}, ["people"])
    status = store.save_result(doc_id, "people", {"status": "done", "result": {"names": names, "seen": seen}})
    assert status == "done"
    return doc_id


def test_buckets_spread_evenly_over_the_masters(store, redis_cluster):
    owners = collections.Counter(store.r.get_node_from_key(f"{tag}x").port for tag in store.tags)
    assert sorted(owners) == sorted(redis_cluster["ports"])
    assert set(owners.values()) == {CLUSTER_BUCKETS // 3}


def test_documents_write_search_and_delete_across_shards(store):
    ids = [stored(store, ["Ana Brnabić", f"Person {i % 3}"], seen=f"2021-0{1 + i % 2}-10") for i in range(24)]
    nodes = {store.r.get_node_from_key(store.doc_key(d)).port for d in ids}
    assert len(nodes) == 3  # the documents really are spread over every master
    assert store.search(["person:ana brnabić"], 100) and \
        [d for d, _ in store.search(["person:ana brnabić"], 100)] == list(reversed(ids))
    assert {d for d, _ in store.search(["person:person 1"], 100)} == set(ids[1::3])
    january = day_number("2021-01-10")
    assert {d for d, _ in store.search(["person:person 1"], 100, ranges={"seen": (january, january)})} == \
        {ids[i] for i in range(1, 24, 3) if i % 2 == 0}
    assert {d for d, _ in store.search([], 100, ranges={"published": (0, day_number("2020-12-31"))})} >= set(ids)
    # pages: newest first, the cursor continues exactly where the page ended
    first = store.search([], 5)
    rest = store.search([], 100, before=first[-1][1])
    assert [d for d, _ in first + rest if d in ids] == list(reversed(ids))
    assert store.search([], 100, status="done") and store.stale_pending(0) == []
    assert store.facet_values("person", "ana", qualified=True) == [
        {"name": "Ana Brnabić", "value": norm("Ana Brnabić"), "qualifier": "x", "documents": 24,
         "key": "x:ana brnabić"}]
    assert store.facet_documents("person", "x:ana brnabić", 3) == list(reversed(ids))[:3]
    assert store.counters()[0] == 24
    assert store.delete_document(ids[0]) and store.load(ids[0]) is None
    assert ids[0] not in {d for d, _ in store.search(["person:ana brnabić"], 100)}
    assert store.counters()[0] == 23


def test_pending_and_outbox_are_found_in_every_bucket(store):
    ids = [new_document_id() for _ in range(12)]
    for d in ids:
        store.save_document(d, {"text": "x"}, ["people"])
    assert set(store.stale_pending(0, limit=100)) == set(ids)
    assert store.stale_pending(0, limit=5) == ids[:5]  # oldest first, merged across buckets
    for d in ids:
        store.save_result(d, "people", {"status": "done", "result": {"names": []}})
    assert store.stale_pending(0) == [] and set(store.unnotified(0)) == set(ids)
    assert all(store.notified(d) for d in ids) and store.unnotified(0) == []


def test_a_cluster_is_refused_as_the_broker(redis_cluster):
    with pytest.raises(SettingsError, match="NEWSDESK_BROKER_URL"):
        Settings.from_env({"NEWSDESK_REDIS_URL": redis_cluster["url"]})
    with pytest.raises(SettingsError, match="NEWSDESK_BROKER_URL"):
        Settings.from_env({"NEWSDESK_REDIS_URL": "redis://h:1", "NEWSDESK_REDIS_CLUSTER": "1"})
    node = f"redis://127.0.0.1:{redis_cluster['ports'][0]}/0"
    with pytest.raises(SettingsError, match="is a Redis Cluster node"):
        refuse_cluster(node)
    s = Settings.from_env({"NEWSDESK_REDIS_URL": node, "NEWSDESK_REDIS_CLUSTER": "1",
                           "NEWSDESK_BROKER_URL": "amqp://guest:guest@rabbit:5672//"})
    assert s.redis.startswith("redis+cluster://") and s.cluster


def test_the_old_layout_would_fail_on_a_cluster(redis_cluster):
    """Why the buckets exist: one script over a document and a global index is refused."""
    client = RedisCluster.from_url(redis_cluster["url"].replace("+cluster", ""))
    script = client.register_script("redis.call('hset', KEYS[1], 'a', 1) redis.call('zadd', KEYS[2], 1, 'd')")
    with pytest.raises(RedisClusterException, match="same key slot"):
        script(["newsdesk:doc:0123456789ab", "newsdesk:idx:submitted"])


def test_the_stack_stores_in_the_cluster(submit, finished, redis_cluster):
    doc_id = submit({"text": "a b", "analyzers": ["wordcount"]})["id"]
    assert finished(doc_id)["status"] == "done"
    store = Store.from_url(redis_cluster["url"])
    assert store.load(doc_id)["sections"]["wordcount"]["result"] == {"words": 2}
    wait_for(lambda: store.r.get(f"test:completions:{doc_id}"), 10, what="completion hook")
    assert store.r.get(f"test:completions:{doc_id}") == b"1"  # the completion hook ran once


def test_readiness_and_metrics_read_the_cluster(api, submit, finished):
    finished(submit({"text": "a b c", "analyzers": ["wordcount"]})["id"])
    assert requests.get(api + "/readyz", timeout=10).status_code == 200
    metrics = requests.get(api + "/metrics", timeout=10).text
    stored = next(float(line.split()[-1]) for line in metrics.splitlines()
                  if line.startswith("newsdesk_documents_stored"))
    assert stored >= 1
