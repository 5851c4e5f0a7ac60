"""``relayflow serve``: the production web server (issue 14 item 3) — gunicorn running the same
``create_app`` as the development ``relayflow run``, with N worker processes, an access log,
graceful reload on ``HUP`` (new workers start before the old ones finish their requests) and
graceful stop on ``TERM``.

Nothing a request needs is kept per process: sessions are signed cookies, the sign-in limiter
counts in the database (``storage.sign_in_failures``), and the metrics' counts go to
``PROMETHEUS_MULTIPROC_DIR`` when it is set, so a scrape of any worker sums them all.
"""

from __future__ import annotations

import contextvars
import os
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from app.bootstrap import process_identity
from app.metrics import MULTIPROCESS_DIR, process_gone


def default_workers() -> int:
    """gunicorn's rule of thumb (2 × cores + 1), at most 8: the database, not the web tier, limits."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


class Server(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("post_fork", self._post_fork)
        self.cfg.set("child_exit", _child_exit)

    def _post_fork(self, _server: Any, _worker: Any) -> None:
        """A web process must not share the master's database connections: it opens its own; and it
        records the callbacks it takes in its own history streams."""
        services = self.application.extensions["relayflow"]
        services.db.engine.dispose(close=False)
        services.write_as(process_identity())

    def load(self) -> Flask:
        return self.application


def serve(app: Flask, host: str, port: int, workers: int, timeout: int) -> None:
    if not os.environ.get(MULTIPROCESS_DIR):
        app.logger.warning("%s is not set: /metrics shows the counts of the worker that answers only", MULTIPROCESS_DIR)
    server = Server(app, {"bind": f"{host}:{port}", "workers": workers, "timeout": timeout,
                          "graceful_timeout": timeout, "accesslog": "-", "errorlog": "-"})
    # The CLI runs commands inside an application context; requests must not inherit it (each
    # request pushes its own, so ``g`` — the CSRF token's cache, say — is per request): serve from
    # an empty context, which the forked web processes keep.
    contextvars.Context().run(server.run)


def _child_exit(_server: Any, worker: Any) -> None:
    process_gone(worker.pid)
