"""Configuration layers: defaults, then the environment."""

from __future__ import annotations

from app.config import DEFAULTS, from_environment


def test_environment_overrides() -> None:
    values = from_environment({"DATABASE_URL": "postgresql://db/x", "RELAYFLOW_TICK_SECONDS": "1.5",
                               "RELAYFLOW_DEPLOY_ON_START": "false", "UNRELATED": "1"})
    assert values == {"DATABASE_URL": "postgresql://db/x", "TICK_SECONDS": 1.5, "DEPLOY_ON_START": False}


def test_defaults_use_the_embedded_database() -> None:
    assert from_environment({}) == {}
    assert DEFAULTS["DATABASE_URL"] is None


def test_the_dlt645_head_end_is_configured_from_the_environment() -> None:
    values = from_environment({"RELAYFLOW_HEADEND_DLT645_GATEWAY": "10.0.0.9:8899",
                               "RELAYFLOW_HEADEND_DLT645_METERS": "000000000002=10.0.0.5:8899",
                               "RELAYFLOW_HEADEND_DLT645_PASSWORD": "012345",
                               "RELAYFLOW_HEADEND_DLT645_OPERATOR": "0001",
                               "RELAYFLOW_HEADEND_DLT645_POLL_SECONDS": "2", "RELAYFLOW_HEADEND_TICK_SECONDS": "1"})
    assert values == {"HEADEND_DLT645_GATEWAY": "10.0.0.9:8899", "HEADEND_DLT645_METERS": "000000000002=10.0.0.5:8899",
                      "HEADEND_DLT645_PASSWORD": "012345", "HEADEND_DLT645_OPERATOR": "0001",
                      "HEADEND_DLT645_POLL_SECONDS": 2.0, "HEADEND_TICK_SECONDS": 1.0}  # digits stay text
