from collections.abc import Iterator

import pytest

from app.audit.replay import Replayer
from app.bootstrap import Services
from tests.utility import utility

__all__ = ["utility"]


@pytest.fixture(autouse=True)
def replay_every_case(request: pytest.FixtureRequest) -> Iterator[None]:
    """Issue 5: every case a process test produced must replay, from its deployment's BPMN and its
    recorded inputs alone, to exactly its recorded history."""
    if "services" in request.fixturenames:
        services: Services = request.getfixturevalue("services")
    elif "utility" in request.fixturenames:
        services = request.getfixturevalue("utility").services
    else:
        yield
        return
    yield
    replayer = Replayer(services.db, services.runtime)
    ids = replayer.instances_since(None)
    summary = replayer.replay_many(ids, chunk=7)  # small chunks: the batch reader's edges get exercised too
    assert summary.cases == len(ids)
    assert not summary.diverged, "replay diverged from the recorded history:\n" + "\n".join(
        result.summary() for result in summary.diverged)
