"""HTTP → Celery worker → analyzers → Redis → GET, with real processes throughout."""
import requests

from .conftest import SEEDS

BUILT_INS = ["dates", "entities", "quotes", "topics"]


def test_every_seed_comes_back_done_with_all_four_sections(api, submit, finished):
    ids = {p.name: submit({"text": p.read_text(encoding="utf-8"), "analyzers": BUILT_INS})["id"]
           for p in sorted(SEEDS.glob("*.txt"))}
    assert len(ids) == 5
    for name, doc_id in ids.items():
        body = finished(doc_id, timeout=300)
        assert body["status"] == "done", (name, body["analysis"])
        assert body["plan"].index("entities") < body["plan"].index("quotes")
        for analyzer in BUILT_INS:
            section = body["analysis"][analyzer]
            assert section["status"] == "done" and section["version"] and section["duration_ms"] >= 0
            assert isinstance(section["result"], dict)
        assert body["completed_at"] >= body["submitted_at"]


def test_seed_results_are_sensible(submit, finished):
    text = next(SEEDS.glob("000_*.txt")).read_text(encoding="utf-8")
    body = finished(submit({"text": text, "analyzers": BUILT_INS})["id"], timeout=300)
    a = {k: v["result"] for k, v in body["analysis"].items()}
    assert a["dates"]["publication_date"]["value"] == "2020-07-22"
    names = {e["name"] for e in a["entities"]["entities"]}
    assert {"NATO", "Serbia"} <= names
    assert any("Dacic" in (q.get("speaker") or {}).get("entity_name") or "" for q in a["quotes"]["quotes"])
    assert a["topics"]["topics"][0]["qcode"] in ("medtop:11000000", "medtop:16000000") or \
        a["topics"]["topics"][0]["parents"][-1]["qcode"] in ("medtop:11000000", "medtop:16000000")


def test_a_failing_analyzer_fails_only_its_own_section(submit, finished):
    body = finished(submit({"text": "Some words here.",
                            "analyzers": ["wordcount", "raiser", "sleeper", "liar"]})["id"])
    a = body["analysis"]
    assert body["status"] == "partial"
    assert a["wordcount"] == {**a["wordcount"], "status": "done", "result": {"words": 3}}
    assert a["raiser"]["status"] == "failed" and "boom from raiser" in a["raiser"]["error"]["detail"]
    assert a["sleeper"]["error"]["type"].endswith("/analyzer-timeout")
    assert a["liar"]["error"]["type"].endswith("/analyzer-output-invalid")
    assert a["liar"]["error"]["errors"] == {"words": ["Not a valid integer."]}


def test_all_failed_is_failed(submit, finished):
    assert finished(submit({"text": "x", "analyzers": ["raiser"]})["id"])["status"] == "failed"


def test_requirements_are_added_to_a_subset(submit, finished):
    body = finished(submit({"text": "Jens Stoltenberg said NATO is ready.", "analyzers": ["quotes"]})["id"],
                    timeout=300)
    assert body["plan"] == ["entities", "quotes"] and body["status"] == "done"


def test_reanalyze_named_analyzer(api, submit, finished):
    doc_id = submit({"text": "a b", "analyzers": ["wordcount"]})["id"]
    first = finished(doc_id)["completed_at"]
    r = requests.post(f"{api}/v1/documents/{doc_id}/reanalyze", json={"analyzers": ["wordcount"]})
    assert r.status_code == 202 and r.json()["plan"] == ["wordcount"]
    body = finished(doc_id)
    assert body["status"] == "done" and body["completed_at"] > first
