"""A loopback proxy in front of the local AWS endpoint that injects faults, for the deployer's
tests only: each request is named by its AWS action (``ExecuteChangeSet``, ``GetParameter``;
S3 as ``PUT s3``), and a rule may hold a stack in progress, answer nothing, cut the
connection, or forward the request and lose the answer. Never used by ``compliance/``.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal
from urllib.parse import parse_qs, urlsplit

#: forward (as is), hold (forward; a complete status reads as still in progress), silent
#: (never answer), cut (close without forwarding), lose (forward, then close unanswered).
Fault = Literal["forward", "hold", "silent", "cut", "lose"]
HELD = {b"CREATE_COMPLETE": b"CREATE_IN_PROGRESS", b"UPDATE_COMPLETE": b"UPDATE_IN_PROGRESS"}


@dataclass
class FaultProxy:
    """The proxy; ``rule(action, seen_before)`` picks the fault of each request."""

    upstream: str
    rule: Callable[[str, list[str]], Fault] = lambda action, seen: "forward"
    #: The actions received, in order.
    seen: list[str] = field(default_factory=list)
    #: Called with each action as it arrives (e.g. to signal the process under test).
    on_request: Callable[[str], None] = lambda action: None
    _stop: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    @property
    def endpoint_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[FaultProxy]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                action = _action(self.command, self.headers.get("X-Amz-Target"), body)
                fault = proxy.rule(action, list(proxy.seen))
                proxy.seen.append(action)
                proxy.on_request(action)
                if fault == "silent":
                    proxy._stop.wait()
                    return self._close()
                if fault == "cut":
                    return self._close()
                status, headers, answer = proxy._forward(
                    self.command, self.path, self.headers, body
                )
                if fault == "lose":
                    return self._close()
                if fault == "hold":
                    for done, running in HELD.items():
                        answer = answer.replace(b">" + done + b"<", b">" + running + b"<")
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def _close(self) -> None:
                self.close_connection = True
                with suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._server.shutdown()
            self._server.server_close()

    def _forward(
        self, method: str, path: str, headers: object, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        target = urlsplit(self.upstream)
        connection = http.client.HTTPConnection(target.hostname or "", target.port, timeout=60)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() != "host"}  # type: ignore[attr-defined]
            sent["Host"] = target.netloc
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            answer = response.read() if method != "HEAD" else b""
            return response.status, response.getheaders(), answer
        finally:
            connection.close()


def _action(method: str, target: str | None, body: bytes) -> str:
    """The operation of a JSON-protocol request (SSM: ``X-Amz-Target``), ``Action=`` of a
    query-protocol one (CloudFormation, STS), else S3's method (``PUT s3``)."""
    if target:
        return target.rsplit(".", 1)[-1]
    found = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if found:
        return found[0]
    return f"{method} s3"


def after(action: str, fault: Fault, then: Fault = "forward") -> Callable[[str, list[str]], Fault]:
    """A rule: ``then`` for every request once ``action`` was seen, and ``fault`` for
    ``action`` itself."""

    def rule(current: str, seen: list[str]) -> Fault:
        if current == action:
            return fault
        return then if action in seen else "forward"

    return rule


@contextmanager
def silent_endpoint() -> Iterator[str]:
    """A socket on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for each in accepted:
            each.close()
        listener.close()
