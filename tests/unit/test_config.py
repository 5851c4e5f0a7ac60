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
