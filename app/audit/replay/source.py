"""The BPMN a replay runs: parsed from the deployment's stored XML files — never from the
serialized spec the runtime steps with, nor from the instance's saved state — and only after the
files' hash is checked against the one chained into the ``deployments`` history when they were
deployed. An edited diagram under a running instance therefore shows as a divergence, or, if the
stored files themselves were edited, as a changed deployment."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.runtime.deployment.bpmn_source import read_bpmn
from app.runtime.deployment.deploy import STREAM, bundle_hash
from app.runtime.engine.parsing import parse_bundle
from app.runtime.engine.state import SpecPair
from storage.deployments import stored_files
from storage.replay_rows import recorded_bundle_hashes, stored_bundle_hash


class SourceChanged(Exception):
    """The deployment's files are not what was deployed (or cannot be read)."""


class DeploymentSources:
    """Specs per (deployment, process), parsed once per replaying process."""

    def __init__(self) -> None:
        self._parsers: dict[int, object] = {}
        self._specs: dict[tuple[int, str], SpecPair] = {}

    def specs(self, session: Session, deployment_id: int, process_id: str) -> SpecPair:
        key = (deployment_id, process_id)
        if key not in self._specs:
            parser = self._parser(session, deployment_id)
            self._specs[key] = (parser.get_spec(process_id),  # type: ignore[attr-defined]
                                parser.get_subprocess_specs(process_id))  # type: ignore[attr-defined]
        return self._specs[key]

    def _parser(self, session: Session, deployment_id: int) -> object:
        if deployment_id not in self._parsers:
            files = {file.name: file.data for file in stored_files(session, deployment_id)}
            check_deployed_files(session, deployment_id, files)
            try:
                self._parsers[deployment_id] = parse_bundle({name: read_bpmn(name, data)
                                                             for name, data in files.items()})
            except Exception as exc:
                raise SourceChanged(f"deployment {deployment_id} no longer parses: {exc}") from exc
        return self._parsers[deployment_id]


def check_deployed_files(session: Session, deployment_id: int, files: dict[str, bytes]) -> None:
    """The files must hash to the bundle hash the ``deployments`` history recorded for them."""
    stored = stored_bundle_hash(session, deployment_id)
    if stored is None or not files:
        raise SourceChanged(f"deployment {deployment_id} or its files are gone")
    recorded = recorded_bundle_hashes(session, STREAM, "deployment.created")
    actual = bundle_hash(files)
    if recorded.get(deployment_id) != actual or stored != actual:
        raise SourceChanged(f"deployment {deployment_id}'s files hash to {actual[:12]}…, but the history recorded "
                            f"{str(recorded.get(deployment_id))[:12]}… when they were deployed: the BPMN was edited")
