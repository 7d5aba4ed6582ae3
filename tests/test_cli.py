"""``newsdesk analyze``: the same pipeline in-process, no Redis or Celery."""
import json
import subprocess
import sys

from .conftest import ROOT, SEEDS


def newsdesk(*args, input=None):
    return subprocess.run([sys.executable, "-m", "newsdesk.cli", *args], cwd=ROOT, input=input,
                          capture_output=True, text=True, timeout=600)


def test_analyze_seeds_folder_prints_one_body_per_document():
    r = newsdesk("analyze", str(SEEDS))
    assert r.returncode == 0, r.stderr
    bodies = [json.loads(line) for line in r.stdout.splitlines()]
    assert [b["id"] for b in bodies] == sorted(p.stem for p in SEEDS.glob("*.txt"))
    for b in bodies:
        assert set(b) >= {"id", "status", "document", "plan", "analysis"}
        assert b["status"] == "done", b["analysis"]
        assert set(b["analysis"]) >= {"dates", "entities", "quotes", "topics"}


def test_analyze_jsonl_with_fields_and_subset(tmp_path):
    f = tmp_path / "docs.jsonl"
    f.write_text("\n".join(json.dumps(d) for d in [
        {"id": "a", "text": "The talks ended on Wednesday.", "published_at": "2023-11-22"},
        {"id": "b", "text": "Nothing happened."}]))
    r = newsdesk("analyze", "--analyzers", "dates", str(f))
    assert r.returncode == 0, r.stderr
    a, b = [json.loads(line) for line in r.stdout.splitlines()]
    assert a["id"] == "a" and a["plan"] == ["dates"] and a["document"]["published_at"] == "2023-11-22"
    assert a["analysis"]["dates"]["result"]["publication_date"]["value"] == "2023-11-22"
    assert b["analysis"]["dates"]["result"]["publication_date"]["value"] is None


def test_analyze_stdin_and_errors():
    r = newsdesk("analyze", "--analyzers", "entities", "-", input="Jens Stoltenberg leads NATO.")
    assert r.returncode == 0 and json.loads(r.stdout)["id"] == "stdin"
    r = newsdesk("analyze", "--analyzers", "nope", str(SEEDS))
    assert r.returncode != 0 and "unknown analyzer" in r.stderr
