"""The SMPP 3.4 session with the SMSC: one transceiver bind, kept up by a thread of its own.

That thread is the only reader of the socket. It binds, reads every PDU the SMSC sends — the
answers to our submits (handed to the sender waiting for them, by sequence number), delivery
receipts and enquire_links (answered at once) — checks an idle link with enquire_link, and when the
SMSC drops or unbinds the link it fails the submits still waiting (the outbox sends them again)
and binds again, waiting longer after each failed attempt. Senders write from their own thread,
one PDU at a time; the throttle keeps them within the SMSC's window and pace.

The password goes on the wire in the bind PDU only: smpplib's hex dumps of bind PDUs (its debug
log) are filtered out, and the settings never print it.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from smpplib import consts, smpp
from smpplib.client import Client
from smpplib.exceptions import ConnectionError as SmppConnectionError
from smpplib.exceptions import PDUError

from handlers.smpp.settings import SmppSettings
from handlers.smpp.throttle import Throttle

log = logging.getLogger("relayflow.sms.smpp")
WIRE_LOGGER = "relayflow.sms.smpp.wire"  # smpplib's own log (PDU dumps at debug level)
POLL_SECONDS = 0.2  # how often the reader looks up from the socket (to stop, or to check an idle link)
MAX_RECONNECT_SECONDS = 60.0
_BIND_COMMAND_IDS = {b"00000001", b"00000002", b"00000009"}  # bind_receiver, _transmitter, _transceiver
LINK_ERRORS = (SmppConnectionError, PDUError, OSError)


class LinkDown(ConnectionError):
    """Not bound to the SMSC, or the link dropped before the answer came: nothing is lost, the
    outbox sends the message again later."""


@dataclass(frozen=True)
class SubmitAnswer:
    command_status: int  # 0: accepted
    message_id: str | None


DeliverHandler = Callable[[Any], int]  # a deliver_sm PDU -> the command_status of our deliver_sm_resp


class SmppLink:
    def __init__(self, settings: SmppSettings, on_deliver: DeliverHandler) -> None:
        self.settings = settings
        self._on_deliver = on_deliver
        self._throttle = Throttle(settings.window, settings.per_second)
        self._write = threading.Lock()  # one PDU on the wire at a time; PDUs are numbered under it too
        self._pending: dict[int, Future[SubmitAnswer]] = {}
        self._pending_lock = threading.Lock()
        self._start_lock = threading.Lock()
        self._bound = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: Client | None = None
        self._unanswered_enquiries = 0
        self.binds = 0  # how many times the link was bound: a re-bind after a drop counts
        _hide_bind_dumps()

    # -- the owner's side ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the link's thread (binding, listening, re-binding) unless it runs."""
        with self._start_lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="smpp-link", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Unbind and stop the thread (within ``timeout``)."""
        self._stopping.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait_bound(self, timeout: float) -> bool:
        return self._bound.wait(timeout)

    # -- the senders' side -----------------------------------------------------------------------

    def submit(self, pdus: list[dict[str, Any]]) -> list[SubmitAnswer]:
        """Submit each ``submit_sm`` (its fields) in order, pipelined within the window; returns the
        SMSC's answer to each. Raises ``LinkDown`` when not bound, or when the link drops or an
        answer does not come within ``response_seconds``."""
        wait = self.settings.response_seconds
        if not self._bound.wait(wait):
            raise LinkDown(f"not bound to the SMSC {self.settings.host}:{self.settings.port}")
        futures: list[Future[SubmitAnswer]] = []
        try:
            for fields in pdus:
                futures.append(self._submit_one(fields, wait))
            return [future.result(timeout=wait) for future in futures]
        except FutureTimeout:
            raise LinkDown(f"no submit_sm_resp from the SMSC within {wait:g} s") from None
        finally:
            for future in futures:
                self._give_up(future, LinkDown("the submit was abandoned"))

    def _submit_one(self, fields: dict[str, Any], wait: float) -> Future[SubmitAnswer]:
        if not self._throttle.acquire(wait):
            raise LinkDown(f"the SMSC's window stayed full for {wait:g} s")
        future: Future[SubmitAnswer] = Future()
        future.add_done_callback(lambda _done: self._throttle.release())
        try:
            with self._write:
                client = self._client
                if client is None or not self._bound.is_set():
                    raise LinkDown("the link to the SMSC dropped")
                pdu = smpp.make_pdu("submit_sm", client=client, **fields)
                with self._pending_lock:
                    self._pending[pdu.sequence] = future
                client.send_pdu(pdu)
        except LINK_ERRORS as exc:
            error = exc if isinstance(exc, LinkDown) else LinkDown(f"sending failed: {exc or type(exc).__name__}")
            self._give_up(future, error)
            raise error from None
        return future

    def _give_up(self, future: Future[SubmitAnswer], error: Exception) -> None:
        with self._pending_lock:
            for sequence, waiting in list(self._pending.items()):
                if waiting is future:
                    del self._pending[sequence]
        if not future.done():
            future.set_exception(error)

    # -- the link's thread -----------------------------------------------------------------------

    def _run(self) -> None:
        wait = self.settings.reconnect_seconds
        while not self._stopping.is_set():
            client: Client | None = None
            try:
                client = self._bind()
                wait = self.settings.reconnect_seconds
                self._serve(client)
            except LINK_ERRORS as exc:
                if not self._stopping.is_set():
                    log.warning("SMPP link to %s:%s is down (%s); binding again in %g s", self.settings.host,
                                self.settings.port, str(exc) or type(exc).__name__, wait)
            except Exception:  # a fault of ours: the link still has to come back
                log.exception("SMPP link: unexpected failure; binding again in %g s", wait)
            finally:
                self._down(client)
            if self._stopping.wait(wait):
                break
            wait = min(wait * 2, MAX_RECONNECT_SECONDS)

    def try_bind(self) -> None:
        """Bind a connection of its own and unbind it (``relayflow check-adapters``): raises with the
        SMSC's answer when the bind is refused or the SMSC cannot be reached. Nothing is sent."""
        client = self._new_client()
        client.connect()
        try:
            client.bind_transceiver(system_id=self.settings.system_id, password=self.settings.password,
                                    system_type=self.settings.system_type)
            with contextlib.suppress(SmppConnectionError, PDUError):  # the bind was the question; some SMSCs
                client.unbind()  # close the link on an unbind instead of answering it
        finally:
            client.disconnect()

    def _new_client(self) -> Client:
        settings = self.settings
        return Client(settings.host, settings.port, timeout=settings.response_seconds, logger_name=WIRE_LOGGER,
                      allow_unknown_opt_params=True)

    def _bind(self) -> Client:
        settings = self.settings
        client = self._new_client()
        self._client = client
        client.connect()
        client.bind_transceiver(system_id=settings.system_id, password=settings.password,
                                system_type=settings.system_type)
        self.binds += 1
        self._unanswered_enquiries = 0
        self._bound.set()
        log.info("SMPP link bound to %s:%s as %s (bind %d)", settings.host, settings.port, settings.system_id,
                 self.binds)
        return client

    def _serve(self, client: Client) -> None:
        idle = 0.0
        while not self._stopping.is_set():
            # select, then read a whole PDU: a read that timed out halfway would lose the PDU boundary
            readable, _, _ = select.select([client._socket], [], [], POLL_SECONDS)  # smpplib's own socket
            if not readable:
                idle += POLL_SECONDS
                if idle >= self.settings.enquire_seconds:
                    self._enquire(client)
                    idle = 0.0
                continue
            idle = 0.0
            self._take(client, client.read_pdu())
        self._unbind(client)

    def _take(self, client: Client, pdu: Any) -> None:
        command = pdu.command
        if command in ("submit_sm_resp", "generic_nack"):
            message_id = octet_text(getattr(pdu, "message_id", None))
            self._answer(int(pdu.sequence), SubmitAnswer(int(pdu.status), message_id))
        elif command == "deliver_sm":
            self._respond(client, "deliver_sm_resp", pdu, self._delivered(pdu))
        elif command == "enquire_link":
            self._respond(client, "enquire_link_resp", pdu)
        elif command == "enquire_link_resp":
            self._unanswered_enquiries = 0
        elif command == "unbind":
            self._respond(client, "unbind_resp", pdu)
            raise LinkDown("the SMSC unbound")
        else:
            log.warning("SMPP link: %s from the SMSC ignored", command)

    def _delivered(self, pdu: Any) -> int:
        try:
            return self._on_deliver(pdu)
        except Exception:
            log.exception("SMPP link: a deliver_sm could not be taken; the SMSC will send it again")
            return int(consts.SMPP_ESME_RX_T_APPN)

    def _answer(self, sequence: int, answer: SubmitAnswer) -> None:
        with self._pending_lock:
            future = self._pending.pop(sequence, None)
        if future is None:
            log.warning("SMPP link: an answer (sequence %d, status %d) nobody waits for any more", sequence,
                        answer.command_status)
        elif not future.done():
            future.set_result(answer)

    def _enquire(self, client: Client) -> None:
        if self._unanswered_enquiries >= 2:
            raise LinkDown("the SMSC answers no enquire_link")
        self._unanswered_enquiries += 1
        with self._write:
            client.send_pdu(smpp.make_pdu("enquire_link", client=client))

    def _respond(self, client: Client, command: str, request: Any, status: int = 0) -> None:
        with self._write:
            response = smpp.make_pdu(command, client=client, status=status)
            response.sequence = request.sequence
            client.send_pdu(response)

    def _unbind(self, client: Client) -> None:
        """A clean stop: unbind and read the answer; an SMSC that has closed already is tolerated."""
        with contextlib.suppress(*LINK_ERRORS):
            with self._write:
                client.send_pdu(smpp.make_pdu("unbind", client=client))
            client.read_pdu()

    def _down(self, client: Client | None) -> None:
        """The link is gone: no more submits on it, and those waiting fail (the outbox retries them)."""
        self._bound.clear()
        with self._write:
            self._client = None
        with self._pending_lock:
            waiting, self._pending = list(self._pending.values()), {}
        for future in waiting:
            if not future.done():
                future.set_exception(LinkDown("the link to the SMSC dropped before the answer came"))
        if client is not None:
            with contextlib.suppress(OSError):
                client.disconnect()


def octet_text(value: bytes | str | None) -> str | None:
    """A C-octet string field as text (ids and receipts are ASCII), None when empty."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return text.rstrip("\x00").strip() or None


class _NoBindDumps(logging.Filter):
    """Drops smpplib's hex dump of a bind PDU, which carries the password."""

    def filter(self, record: logging.LogRecord) -> bool:
        dump = record.args[0] if isinstance(record.args, tuple) and record.args else None
        return not (isinstance(dump, bytes) and dump[8:16] in _BIND_COMMAND_IDS)


def _hide_bind_dumps() -> None:
    wire = logging.getLogger(WIRE_LOGGER)
    if not any(isinstance(each, _NoBindDumps) for each in wire.filters):
        wire.addFilter(_NoBindDumps())
