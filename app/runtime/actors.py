"""Who does a thing. Every runtime action takes an actor; the history records its name."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def system(cls, component: str) -> Actor:
        """An automatic actor (scheduler, head-end callback...): no roles, a ``system:`` name."""
        return cls(f"system:{component}")

    @property
    def is_system(self) -> bool:
        return self.name.startswith("system:")

    def has_role(self, role: str) -> bool:
        return role in self.roles
