"""What a replay concludes: verified, or the first divergence from the recorded history."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Divergence:
    seq: int | None  # the recorded event where replay and history part (None: after the last)
    expected: str
    actual: str

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else "the end of the history"
        return f"diverged at {where}: expected {self.expected}; replay gave {self.actual}"


@dataclass(frozen=True)
class ReplayResult:
    instance_id: int
    process_id: str
    deployment_id: int | None
    compared: int  # recorded engine events the replay reproduced
    divergence: Divergence | None

    @property
    def verified(self) -> bool:
        return self.divergence is None

    def summary(self) -> str:
        if self.divergence is None:
            return f"instance {self.instance_id}: verified ({self.compared} events reproduced)"
        return f"instance {self.instance_id}: {self.divergence}"

    def as_dict(self) -> dict[str, object]:
        return {
            "instance_id": self.instance_id, "process_id": self.process_id, "deployment_id": self.deployment_id,
            "verified": self.verified, "compared": self.compared,
            "divergence": None if self.divergence is None else {
                "seq": self.divergence.seq, "expected": self.divergence.expected, "actual": self.divergence.actual},
        }
