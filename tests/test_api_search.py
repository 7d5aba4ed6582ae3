"""Search over the Redis secondary indexes: entity, topic, speaker, dates, status; cursors; delete."""
import requests

from .conftest import SEEDS


def ids(api, **params):
    r = requests.get(api + "/v1/documents", params=params)
    assert r.status_code == 200, r.text
    return [d["id"] for d in r.json()["documents"]]


def test_search_filters_and_cleans_on_delete(api, submit, finished):
    seed = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    built_ins = ["dates", "entities", "quotes", "topics"]  # the session also has failing fixture analyzers
    doc_id = submit({"text": seed, "title": "Serbia and NATO", "analyzers": built_ins})["id"]
    other = submit({"text": "Jens Stoltenberg visited Kyiv.", "published_at": "2019-01-05",
                    "analyzers": built_ins})["id"]
    body = finished(doc_id, timeout=300)
    finished(other, timeout=300)
    entities = {e["name"]: e["type"] for e in body["analysis"]["entities"]["result"]["entities"]}
    assert entities.get("NATO") == "organization"
    assert doc_id in ids(api, entity="nato")
    assert doc_id in ids(api, entity="NATO", entity_type="organization")
    assert doc_id not in ids(api, entity="NATO", entity_type="person")
    top = body["analysis"]["topics"]["result"]["topics"][0]["qcode"]
    assert doc_id in ids(api, topic=top)
    speakers = {(q.get("speaker") or {}).get("entity_name") for q in body["analysis"]["quotes"]["result"]["quotes"]}
    speaker = next(s for s in speakers if s)
    assert doc_id in ids(api, speaker=speaker)
    assert doc_id in ids(api, published_from="2020-07-01", published_to="2020-07-31")
    assert doc_id not in ids(api, published_from="2021-01-01")
    assert other in ids(api, published_to="2019-12-31") and doc_id not in ids(api, published_to="2019-12-31")
    assert doc_id in ids(api, status="done", entity="nato")
    assert doc_id not in ids(api, status="failed")
    found = requests.get(api + "/v1/facets/entity", params={"q": "nat"}).json()["values"]
    assert any(e["name"] == "NATO" and e["qualifier"] == "organization" and e["documents"] >= 1
               and doc_id in e["recent"] for e in found)
    assert requests.get(api + "/v1/facets/topic", params={"q": "x"}).status_code == 404  # not listed
    unknown = requests.get(api + "/v1/documents", params={"tone": "negative"})
    assert unknown.status_code == 422 and "tone" in unknown.text and "entity_type" in unknown.text
    assert requests.get(api + "/v1/documents", params={"topic": "sport"}).status_code == 422  # not a qcode
    assert requests.delete(f"{api}/v1/documents/{doc_id}").status_code == 204
    assert doc_id not in ids(api, entity="nato") and doc_id not in ids(api, topic=top)


def test_cursor_pagination_newest_first(api, submit):
    made = [submit({"text": f"page {i}", "analyzers": ["wordcount"]})["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = requests.get(api + "/v1/documents", params=params).json()
        seen += [d["id"] for d in page["documents"]]
        cursor = page["next_cursor"]
        if not cursor or all(m in seen for m in made):
            break
    assert [m for m in seen if m in made] == list(reversed(made))
    assert requests.get(api + "/v1/documents", params={"cursor": "zzz"}).status_code == 422
