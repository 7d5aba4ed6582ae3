"""Schemathesis against the generated OpenAPI document: no 5xx, no response that breaks it."""
import os
import subprocess
import sys
from pathlib import Path


def test_api_conforms_to_its_openapi_document(api, tmp_path):
    examples = os.environ.get("NEWSDESK_FUZZ_EXAMPLES", "20")
    r = subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "run", api + "/v1/openapi.json", "--url", api,
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,"
         "response_headers_conformance,response_schema_conformance", "--max-examples", examples, "--generation-deterministic",
         "--request-timeout", "30", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
