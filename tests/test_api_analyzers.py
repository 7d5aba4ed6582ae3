"""GET /v1/analyzers."""
import json
from pathlib import Path

import requests

SNAPSHOT = Path(__file__).parent / "snapshots" / "analyzers.json"
BUILT_INS = {"dates", "entities", "quotes", "topics"}


def contract(analyzers):
    return {a["name"]: {"version": a["version"], "requires": a["requires"], "assigns": a["assigns"],
                        "schema_fields": sorted(a["output_schema"].get("properties", {}))}
            for a in analyzers if a["name"] in BUILT_INS}


def test_lists_the_four_built_ins_with_schemas(api):
    body = requests.get(api + "/v1/analyzers").json()
    names = {a["name"] for a in body["analyzers"]}
    assert BUILT_INS <= names, body["problems"]
    for a in body["analyzers"]:
        assert a["version"] and a["description"] and a["output_schema"]["type"] == "object"
    quotes = next(a for a in body["analyzers"] if a["name"] == "quotes")
    assert "analysis.entities" in quotes["requires"]
    assert {p["name"] for p in body["plugins"]} >= BUILT_INS


def test_opt_in_analyzers_are_marked_and_left_out_of_the_default_plan(api, submit):
    listed = {a["name"]: a["opt_in"] for a in requests.get(api + "/v1/analyzers").json()["analyzers"]}
    assert listed["raiser"] is True and listed["wordcount"] is False and not any(listed[n] for n in BUILT_INS)
    body = submit({"text": "An article that names no analyzers gets the default plan."})
    assert "raiser" not in body["plan"] and "wordcount" in body["plan"]


def test_built_in_contract_matches_snapshot(api):
    """A change of a built-in's name, version, requirements or output fields must be deliberate."""
    current = contract(requests.get(api + "/v1/analyzers").json()["analyzers"])
    assert current == json.loads(SNAPSHOT.read_text()), json.dumps(current, indent=2)
