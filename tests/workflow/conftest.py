from collections.abc import Iterator

import pytest

from app.replay import Replayer
from app.services import Services
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
    diverged = [result.summary() for result in (replayer.replay(i) for i in replayer.instances_since(None))
                if not result.verified]
    assert not diverged, "replay diverged from the recorded history:\n" + "\n".join(diverged)
