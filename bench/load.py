"""Load test: the real server (waitress) on loopback, a bounded number of mixed requests.

    python bench/load.py [--requests 2000] [--concurrency 16] [--index DIR] [--timeout 300]
                         [--idle 300] [--slow 20] [--slow-interval 1]

Starts ``python manage.py serve`` on 127.0.0.1 and a free port (on ``--index``, or on an index of
the sample archive built in a temporary folder), then sends ``--requests`` requests from
``--concurrency`` threads, each with its own keep-alive connection: searches as HTML and JSON,
facet searches, document pages and permalinks, in a fixed pseudo-random mix (``--seed``).

While the load runs, ``--idle`` connections that never send a byte stay open (more than
waitress's default connection limit of 100), and ``--slow`` clients trickle a request head one
byte every ``--slow-interval`` seconds (slowloris). Prints how long the server let each kind
hold its connection; a slow client still connected after ``SLOW_BOUND`` seconds is an error.

Prints the throughput, p50/p95/max latency and the error count, overall and per kind of
request. Exits 1 on any error (a status of 400 or more, a refused or broken connection), 2 when
the overall ``--timeout`` ran out; the server is always stopped. Loopback only; every loop is
bounded by the request count or the deadline.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

PROJECT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
MAX_IDLE = 5000
MAX_SLOW = 500
SLOW_BOUND = 90.0  # seconds: the server must cut a slow client before this

WORDS = [
    "公安",
    "道路交通",
    "茶陵",
    "派出所",
    "株洲",
    "平安",
    "群众",
    "安全",
    "民警",
    "服务",
    "乡村振兴",
    '"人民公安为人民"',
    "执法 -交通",
    "交通 OR 治安",
    "警",
    "矛盾纠纷",
]
SORTS = ["relevance", "date_desc", "date_asc"]


@dataclass
class Tally:
    """Latencies and errors of one kind of request (or of all)."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def line(self, label: str, seconds: float | None = None) -> str:
        done = len(self.latencies)
        if not done:
            return f"{label}: no request completed, {len(self.errors)} errors"
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[min(done - 1, round(0.95 * (done - 1)))] * 1000
        rate = f", {done / seconds:.1f} requests/s" if seconds else ""
        return (
            f"{label}: {done} requests{rate}; latency p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
            f"max {ordered[-1] * 1000:.1f} ms; {len(self.errors)} errors"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def build_index(folder: Path, deadline: float) -> Path:
    """An index of the sample archive, built with the real command line."""
    index = folder / "index"
    command = [sys.executable, "manage.py", "ingest", "--archive", "archive", "--index", str(index)]
    print("building an index of archive/ ...", flush=True)
    result = subprocess.run(
        command, cwd=PROJECT, capture_output=True, text=True, timeout=remaining(deadline)
    )
    if result.returncode not in (0, 1):
        sys.exit(f"ingest failed ({result.returncode}): {result.stderr.strip()}")
    return index


def remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("the overall timeout ran out")
    return left


def start_server(
    index: Path, port: int, threads: int, log: Path, deadline: float
) -> subprocess.Popen:
    """The server, its output to ``log`` (a pipe nobody reads would fill up and block it)."""
    command = [sys.executable, "manage.py", "serve", "--index", str(index)]
    command += ["--host", HOST, "--port", str(port), "--threads", str(threads)]
    with open(log, "w") as output:
        server = subprocess.Popen(command, cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT)
    while True:
        try:
            status, _ = fetch(port, "/api/documents")
            if status == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit(f"the server stopped: {log.read_text(errors='replace').strip()[-2000:]}")
        remaining(deadline)
        time.sleep(0.1)


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def fetch(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def request_mix(port: int, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (kind, path) pairs: searches, facet searches, documents and permalinks."""
    status, body = fetch(port, "/api/documents")
    doc_ids = [meta["doc_id"] for meta in json.loads(body)["documents"]] if status == 200 else []
    facets: list[tuple[str, str]] = []
    permalinks: list[str] = []
    for word in WORDS[:6]:
        status, body = fetch(port, "/api/search?" + urlencode({"q": word, "per_page": 50}))
        if status != 200:
            continue
        page = json.loads(body)
        permalinks += [hit["permalink"] for hit in page["hits"]]
        for name in ("city", "county", "year"):
            facets += [(name, value["value"]) for value in page["facets"][name]]
    rng = random.Random(seed)
    mix = []
    for _ in range(count):
        roll = rng.random()
        word = rng.choice(WORDS)
        if roll < 0.25:
            mix.append(("search page", "/?" + urlencode({"q": word})))
        elif roll < 0.5:
            params = {"q": word, "page": rng.choice([1, 1, 2]), "sort": rng.choice(SORTS)}
            mix.append(("search api", "/api/search?" + urlencode(params)))
        elif roll < 0.7 and facets:
            name, value = rng.choice(facets)
            mix.append(("facet search", "/api/search?" + urlencode({"q": word, name: value})))
        elif roll < 0.9 and doc_ids:
            doc_id = quote(rng.choice(doc_ids), safe="/")
            mix.append(("document page", f"/doc/{doc_id}?" + urlencode({"q": word})))
        elif permalinks:
            mix.append(("permalink", rng.choice(permalinks)))
        else:
            mix.append(("search page", "/?" + urlencode({"q": word})))
    return mix


class Client(threading.Thread):
    """Takes requests from the shared list until it is empty or the deadline passes."""

    def __init__(self, port: int, work: list, lock: threading.Lock, deadline: float) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.work = work
        self.lock = lock
        self.deadline = deadline
        self.results: list[tuple[str, float, str]] = []  # kind, seconds, error or ""
        self.connection: http.client.HTTPConnection | None = None

    def next_request(self) -> tuple[str, str] | None:
        with self.lock:
            return self.work.pop() if self.work else None

    def run(self) -> None:
        while time.monotonic() < self.deadline and (item := self.next_request()):
            kind, path = item
            started = time.perf_counter()
            error = self.get(path)
            self.results.append((kind, time.perf_counter() - started, error))
        if self.connection is not None:
            self.connection.close()

    def get(self, path: str) -> str:
        """One GET on the kept-alive connection; the error, or "" on success."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    HOST, self.port, timeout=REQUEST_TIMEOUT
                )
            try:
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return f"connection lost: {path}"
                continue  # the server closed an idle keep-alive connection: reconnect once
            except OSError as exc:
                self.connection.close()
                self.connection = None
                return f"{type(exc).__name__}: {exc}: {path}"
            if response.will_close:
                self.connection.close()
                self.connection = None
            return "" if response.status < 400 else f"{response.status} {path}"
        return f"unreachable: {path}"


class SlowClient(threading.Thread):
    """Sends a request head that never ends, a byte at a time, until the server hangs up
    (or SLOW_BOUND or the deadline passes); ``held`` is how long the connection lasted."""

    def __init__(self, port: int, interval: float, deadline: float) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.interval = interval
        self.deadline = min(deadline, time.monotonic() + SLOW_BOUND)
        self.held: float | None = None  # None: never cut
        self.error = ""

    def run(self) -> None:
        started = time.monotonic()
        try:
            sock = socket.create_connection((HOST, self.port), timeout=REQUEST_TIMEOUT)
        except OSError as exc:
            self.error = f"slow client could not connect: {exc}"
            return
        with sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            sock.settimeout(self.interval)
            while time.monotonic() < self.deadline:
                try:
                    sock.sendall(b"a")
                    if sock.recv(1) == b"":
                        break
                except TimeoutError:
                    continue  # nothing from the server for a while: send the next byte
                except OSError:
                    break
            else:
                return
        self.held = time.monotonic() - started


def open_idle(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that will never send a byte."""
    idle = []
    for _ in range(count):
        try:
            idle.append(socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT))
        except OSError as exc:
            print(f"  idle connection {len(idle) + 1} refused: {exc}", file=sys.stderr)
            break
    return idle


def closed_by_server(idle: list[socket.socket]) -> int:
    """How many of the idle connections the server has closed (without waiting)."""
    closed = 0
    for sock in idle:
        sock.setblocking(False)
        try:
            closed += sock.recv(1) == b""
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    return closed


def attack_lines(idle: list, opened: float, slow: list[SlowClient]) -> tuple[list[str], list]:
    """The report of the idle and slow connections, and the errors among them."""
    lines, errors = [], []
    if idle:
        closed = closed_by_server(idle)
        lines.append(
            f"idle connections: {len(idle)} opened, {closed} closed by the server "
            f"within {time.monotonic() - opened:.0f} s"
        )
    if slow:
        for client in slow:
            client.join(SLOW_BOUND + REQUEST_TIMEOUT)
        held = sorted(c.held for c in slow if c.held is not None)
        errors += [c.error for c in slow if c.error]
        errors += [f"slow client not cut within {SLOW_BOUND:.0f} s" for c in slow if c.held is None]
        if held:
            lines.append(
                f"slow clients: {len(held)}/{len(slow)} cut by the server, after "
                f"{statistics.median(held):.1f} s (median), {held[-1]:.1f} s (max)"
            )
    return lines, errors


def run_load(port: int, mix: list[tuple[str, str]], concurrency: int, deadline: float) -> dict:
    work = list(reversed(mix))
    lock = threading.Lock()
    clients = [Client(port, work, lock, deadline) for _ in range(concurrency)]
    started = time.perf_counter()
    for client in clients:
        client.start()
    for client in clients:
        client.join(max(0.0, deadline - time.monotonic()) + REQUEST_TIMEOUT)
    seconds = time.perf_counter() - started
    overall, kinds = Tally(), {}
    for client in clients:
        for kind, latency, error in client.results:
            for tally in (overall, kinds.setdefault(kind, Tally())):
                tally.latencies.append(latency)
                if error:
                    tally.errors.append(error)
    return {"seconds": seconds, "overall": overall, "kinds": kinds, "left": len(work)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests to send (2000)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads (16)")
    parser.add_argument("--threads", type=int, default=8, help="server threads (8)")
    parser.add_argument("--index", type=Path, help="index to serve (default: the sample's)")
    parser.add_argument("--timeout", type=float, default=300, help="overall seconds (300)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the request mix (7)")
    parser.add_argument("--idle", type=int, default=300, help="idle connections held (300)")
    parser.add_argument("--slow", type=int, default=20, help="slowloris clients (20)")
    parser.add_argument("--slow-interval", type=float, default=1.0, help="seconds a byte (1)")
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 1_000_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..1000000 and --concurrency 1..256")
    if not 0 <= args.idle <= MAX_IDLE or not 0 <= args.slow <= MAX_SLOW:
        parser.error(f"--idle must be 0..{MAX_IDLE} and --slow 0..{MAX_SLOW}")
    if not 0.05 <= args.slow_interval <= 10:
        parser.error("--slow-interval must be 0.05..10 seconds")
    deadline = time.monotonic() + args.timeout
    with tempfile.TemporaryDirectory(prefix="archivist-load-") as temporary:
        try:
            index = args.index or build_index(Path(temporary), deadline)
            port = free_port()
            log = Path(temporary) / "server.log"
            server = start_server(index, port, args.threads, log, deadline)
        except (TimeoutError, subprocess.TimeoutExpired):
            print("timeout: the overall time ran out before the load started", file=sys.stderr)
            return 2
        idle: list[socket.socket] = []
        try:
            mix = request_mix(port, args.requests, args.seed)
            print(
                f"serving {index} on http://{HOST}:{port}/ with {args.threads} threads; "
                f"{len(mix)} requests from {args.concurrency} clients",
                flush=True,
            )
            opened = time.monotonic()
            idle = open_idle(port, args.idle)
            slow = [SlowClient(port, args.slow_interval, deadline) for _ in range(args.slow)]
            for client in slow:
                client.start()
            print(f"holding {len(idle)} idle connections and {len(slow)} slow clients", flush=True)
            outcome = run_load(port, mix, args.concurrency, deadline)
            attack, attack_errors = attack_lines(idle, opened, slow)
        finally:
            for sock in idle:
                sock.close()
            stop_server(server)
    overall: Tally = outcome["overall"]
    for kind, tally in sorted(outcome["kinds"].items()):
        print("  " + tally.line(kind))
    print(overall.line("all", outcome["seconds"]))
    for line in attack:
        print(line)
    for error in (overall.errors + attack_errors)[:10]:
        print(f"  error: {error}", file=sys.stderr)
    if outcome["left"]:
        print(f"timeout: {outcome['left']} requests never sent", file=sys.stderr)
        return 2
    return 1 if overall.errors or attack_errors else 0


if __name__ == "__main__":
    sys.exit(main())
