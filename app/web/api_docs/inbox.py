"""OpenAPI paths of the inbox JSON endpoints."""

from typing import Any

PATHS: dict[str, Any] = {
}
