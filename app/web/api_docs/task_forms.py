"""OpenAPI paths of the task_forms JSON endpoints."""

from typing import Any

PATHS: dict[str, Any] = {
}
