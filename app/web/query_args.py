"""Links that keep the page's query arguments (reading them is each page's ``Query`` model's job,
``app.web.api_models``).

Links are built as ``url_for(endpoint) + "?" + urlencode(args)``: the arguments are never
passed to ``url_for`` as keywords, where ``_method``, ``_external``, ``_anchor`` and ``_scheme``
are ``url_for``'s own options — a visitor's ``?_method=x`` must stay a query argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import url_for


def url_with_args(endpoint: str, args: Mapping[str, Any], /, **path_values: Any) -> str:
    """The URL of ``endpoint`` (its path built from ``path_values``) with ``args`` as the query
    string, empty and None values left out."""
    base = url_for(endpoint, **path_values)
    query = [(str(key), str(value)) for key, value in args.items() if value is not None and value != ""]
    return f"{base}?{urlencode(query)}" if query else base
