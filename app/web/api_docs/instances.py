"""OpenAPI paths of the instances JSON endpoints."""

from typing import Any

PATHS: dict[str, Any] = {
}
