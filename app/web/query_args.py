"""The query string: reading a text argument, and links that keep the page's arguments.

Links are built as ``url_for(endpoint) + "?" + urlencode(args)``: the arguments are never
passed to ``url_for`` as keywords, where ``_method``, ``_external``, ``_anchor`` and ``_scheme``
are ``url_for``'s own options — a visitor's ``?_method=x`` must stay a query argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import request, url_for

from app.runtime.errors import RuntimeActionError

TEXT_ARG_MAX = 64


def text_arg(name: str, max_length: int = TEXT_ARG_MAX) -> str | None:
    """A text query argument, trimmed (None when empty); longer than ``max_length``: a 400 naming it."""
    value = (request.args.get(name) or "").strip()
    if len(value) > max_length:
        raise RuntimeActionError(f"{name} is too long (at most {max_length} characters)")
    return value or None


def url_with_args(endpoint: str, args: Mapping[str, Any], /, **path_values: Any) -> str:
    """The URL of ``endpoint`` (its path built from ``path_values``) with ``args`` as the query
    string, empty and None values left out."""
    base = url_for(endpoint, **path_values)
    query = [(str(key), str(value)) for key, value in args.items() if value is not None and value != ""]
    return f"{base}?{urlencode(query)}" if query else base
