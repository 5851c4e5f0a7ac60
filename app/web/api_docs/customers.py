"""OpenAPI paths of the customers JSON endpoints."""

from typing import Any

PATHS: dict[str, Any] = {
}
