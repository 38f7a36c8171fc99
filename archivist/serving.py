"""The production server: waitress with the limits a public archive needs.

waitress's defaults let a hundred idle connections stop the server from accepting anyone for
two minutes, let a client that sends one byte now and then (slowloris) hold a connection for
ever, and let a GET upload a gigabyte to a temporary file. Here:

- up to ``connection_limit`` connections at once (poll(), not select(), so more than 1,024
  descriptors work), each closed after ``channel_timeout`` seconds without a byte;
- a request (head and body) must arrive within ``REQUEST_DEADLINE`` seconds, however slowly
  its bytes trickle in, or the connection is closed;
- a request head is at most ``max_request_header_size`` bytes (431) and a body at most
  ``max_request_body_size`` (413): the archive only answers GET and HEAD;
- the answers waitress makes itself (400, 413, 431, ...) carry the same security headers as
  the application's.
"""

from __future__ import annotations

import resource
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import create_server
from waitress.task import ErrorTask

from .web import SECURITY_HEADERS

REQUEST_DEADLINE = 30.0
SERVER_LIMITS: dict[str, Any] = {
    "connection_limit": 1000,
    "channel_timeout": 20,
    "cleanup_interval": 5,
    "max_request_header_size": 32 * 1024,
    "max_request_body_size": 16 * 1024,
    "asyncore_use_poll": True,
    "ident": "",  # no "Server: waitress" banner
}
SPARE_DESCRIPTORS = 64  # index files, logs, the listening socket


class GuardedErrorTask(ErrorTask):
    """waitress's own error answer, with the application's security headers."""

    def execute(self) -> None:
        self.response_headers.extend(SECURITY_HEADERS.items())
        super().execute()


class GuardedChannel(HTTPChannel):
    """A connection whose request must arrive whole within ``request_deadline`` seconds."""

    error_task_class = GuardedErrorTask
    request_deadline = REQUEST_DEADLINE
    request_started = 0.0

    def received(self, data: bytes) -> bool:
        now = time.monotonic()
        if self.request is not None and now - self.request_started > self.request_deadline:
            self.will_close = True  # too slow: the loop closes the connection
            return False
        pending = self.request
        result = super().received(data)
        if self.request is not None and self.request is not pending:
            self.request_started = now  # a new request began with these bytes
        return result


def make_server(app, host: str, port: int, threads: int, **overrides: Any):
    """A waitress server for ``app`` with SERVER_LIMITS (``overrides`` replace some, and
    ``request_deadline`` the deadline); call ``run()`` to serve."""
    deadline = overrides.pop("request_deadline", REQUEST_DEADLINE)
    limits = SERVER_LIMITS | overrides
    limits["connection_limit"] = min(
        limits["connection_limit"], _descriptors(limits["connection_limit"]) - SPARE_DESCRIPTORS
    )
    server = create_server(app, host=host, port=port, threads=threads, **limits)
    server.channel_class = type("Channel", (GuardedChannel,), {"request_deadline": deadline})
    return server


def _descriptors(wanted: int) -> int:
    """Raise this process's open-file limit towards what the connections need; the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted + SPARE_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < target:
        new = target if hard == resource.RLIM_INFINITY else min(target, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
            soft = new
        except (ValueError, OSError):
            pass
    return target if soft == resource.RLIM_INFINITY else soft
