"""A real SMSC for the SMPP tests: PyPI ``smpp34``'s SMPP 3.4 server (Rust, asyncio) on a free loopback
port, run in a thread of its own, behind a TCP relay the test can cut (the network dropping the link).

What it does with each ``submit_sm`` is the test's choice (``Smsc.answer``): accept it with a message id
and send a delivery receipt — after the answer, or before it (a receipt that overtakes the submit's
outcome) — or refuse it with a command_status. Everything it received is kept in ``submits``.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import smpp34

RECEIPT_ESM_CLASS = 0x04


@dataclass(frozen=True)
class Answer:
    status: int = 0  # 0 accepts; else the command_status of the refusal
    receipt: str | None = "DELIVRD"  # the receipt's stat (None: no receipt)
    err: str = "000"
    receipt_first: bool = False  # the receipt is sent before the submit_sm_resp


@dataclass(frozen=True)
class Submitted:
    message_id: str | None
    destination: str
    source: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Smsc:
    def __init__(self) -> None:
        self.answer: Callable[[Submitted], Answer] = lambda _submit: Answer()
        self.submits: list[Submitted] = []
        self.binds = 0
        self.deliveries: list[int] = []  # the command_status of our ESME's answer to each receipt
        self._server_port = free_port()
        self._esmes: dict[str, Any] = {}
        self._sending: set[asyncio.Future[None]] = set()  # receipts on their way (kept from the collector)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smsc", daemon=True)
        self.relay = Relay(self._server_port)
        self.port = self.relay.port
        self._server: Any = None

    def start(self) -> Smsc:
        self._thread.start()
        self._server = self._call(self._start)
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        self.relay.start()
        return self

    def stop(self) -> None:
        self.relay.stop()
        with contextlib.suppress(Exception):
            self._call(self._server.stop)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def unbind_everyone(self) -> None:
        """The SMSC ends every session with an ``unbind`` of its own."""
        for esme in list(self._esmes.values()):
            with contextlib.suppress(Exception):
                self._call(esme.unbind)

    def _call(self, start: Callable[[], Any]) -> Any:
        """Run ``start()`` on the SMSC's loop and wait for it (smpp34 makes its awaitables there only)."""
        return asyncio.run_coroutine_threadsafe(_awaited(start), self._loop).result(10)

    async def _start(self) -> Any:
        server = smpp34.Server("127.0.0.1", self._server_port, system_id="TESTSMSC")
        await server.start()
        return server

    async def _serve(self) -> None:
        while True:
            event = await self._server.next()
            if isinstance(event, smpp34.Esme):
                self._esmes[event.session_id] = event
                self.binds += 1
            elif isinstance(event, smpp34.Unbound):
                self._esmes.pop(event.session_id, None)
            elif isinstance(event, smpp34.SubmitSmEvent):
                await self._submitted(event)

    async def _submitted(self, event: Any) -> None:
        number = len(self.submits) + 1
        probe = Submitted(None, event.destination_addr, event.source_addr, event.data_coding, event.esm_class,
                          event.registered_delivery, event.short_message)
        answer = self.answer(probe)
        message_id = f"SMSC{number:06d}" if answer.status == 0 else None
        self.submits.append(Submitted(message_id, *(getattr(probe, name) for name in (
            "destination", "source", "data_coding", "esm_class", "registered_delivery", "short_message"))))
        esme = self._esmes.get(event.session_id)
        if message_id is None:
            event.reject(answer.status)
            return
        if answer.receipt and answer.receipt_first and esme is not None:
            await self._receipt(esme, event, message_id, answer)
        event.accept(message_id)
        if answer.receipt and not answer.receipt_first and esme is not None:
            self._sending.add(task := asyncio.ensure_future(self._receipt(esme, event, message_id, answer)))
            task.add_done_callback(self._sending.discard)

    async def _receipt(self, esme: Any, event: Any, message_id: str, answer: Answer) -> None:
        text = (f"id:{message_id} sub:001 dlvrd:{'001' if answer.receipt == 'DELIVRD' else '000'} "
                f"submit date:2603020900 done date:2603020901 stat:{answer.receipt} err:{answer.err} text:")
        response = await esme.deliver_sm(event.source_addr, text.encode(), source_addr=event.destination_addr,
                                         esm_class=RECEIPT_ESM_CLASS)
        self.deliveries.append(response.command_status)


async def _awaited(start: Callable[[], Any]) -> Any:
    return await start()


class Relay:
    """A TCP relay in front of the SMSC: ``cut()`` drops every connection through it (both ends),
    ``refusing`` closes new ones at once (the SMSC unreachable)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.refusing = False
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        threading.Thread(target=self._accept, name="relay", daemon=True).start()

    def stop(self) -> None:
        self._stopped = True
        self.cut()
        self._listener.close()

    def cut(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for each in sockets:
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
            each.close()

    def _accept(self) -> None:
        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.refusing:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self._lock:
                self._sockets += [client, upstream]
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=_pump, args=(source, target), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            target.sendall(chunk)
    for each in (source, target):
        with contextlib.suppress(OSError):
            each.shutdown(socket.SHUT_RDWR)
