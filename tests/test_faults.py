"""Faults: ingests killed with SIGKILL, run twice at once, run on a full disk, or run while the
server serves. The previous index keeps serving unchanged and the next ingest recovers alone.

Every ingest here is the real command line (``python manage.py ingest``) in a subprocess of its
own session, on a synthetic archive made from the seed reports' sentences.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC

from archivist import reprints, textstore
from archivist.indexing import (
    GEN_PREFIX,
    LOCK_NAME,
    WHOOSH_NAME,
    IndexStore,
    ingest,
    quiet_progress,
)
from archivist.query import SearchQuery
from archivist.records import MANIFEST, RECORDS_DIR
from archivist.search import search
from archivist.web import create_app

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "archive"
REPORTS = 50  # at least 50: a full build then uses Whoosh's multi-process writer
PARAGRAPHS = 5
JOBS = "2"
MORE_REPORTS = 100  # the two-ingests test's first ingest: long enough on a loaded machine
WAIT = 180  # seconds: the longest any ingest or wait may take before the test fails (a hang)


# A synthetic archive ---------------------------------------------------------------------------


def seed_sentences() -> list[str]:
    sentences = []
    for path in sorted(SEEDS.glob("*.txt")):
        for sentence in re.split(r"(?<=[。！？])", path.read_text(encoding="utf-8")):
            sentence = sentence.strip()
            if 10 <= len(sentence) <= 120 and "\n" not in sentence:
                sentences.append(sentence)
    return sentences


def report_text(number: int, marker: str, rng: random.Random, sentences: list[str]) -> str:
    body = ["".join(rng.sample(sentences, 3)) + f"{marker}。" for _ in range(PARAGRAPHS)]
    return f"合成报告第{number}号\n\n" + "\n\n".join(body) + "\n"


def write_archive(root: Path, count: int = REPORTS, marker: str = "合成标记") -> Path:
    """``count`` reports of ``PARAGRAPHS`` paragraphs; every paragraph carries ``marker``."""
    rng = random.Random(7)
    sentences = seed_sentences()
    root.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        text = report_text(number, marker, rng, sentences)
        (root / f"r{number:03d}.txt").write_text(text, encoding="utf-8")
    return root


def add_report(root: Path, name: str, marker: str) -> None:
    text = report_text(999, marker, random.Random(name), seed_sentences())
    (root / f"{name}.txt").write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> dict:
    """The synthetic archive and a complete index of it (copied by each test)."""
    folder = tmp_path_factory.mktemp("faults")
    archive = write_archive(folder / "archive")
    index = folder / "index"
    ingest(archive, index, rebuild=True, jobs=2, progress=quiet_progress)
    return {"archive": archive, "index": index}


@pytest.fixture
def work(base, tmp_path) -> dict:
    """This test's own copies of the archive and of its index."""
    archive = tmp_path / "archive"
    index = tmp_path / "index"
    shutil.copytree(base["archive"], archive)
    shutil.copytree(base["index"], index)
    return {"archive": archive, "index": index, "tmp": tmp_path}


# Looking at an index ---------------------------------------------------------------------------


def state(index: Path) -> dict:
    """What a fresh reader of the index sees: live generation, reports, paragraphs, a search."""
    store = IndexStore(index)
    searcher, _ = store.searcher()
    with searcher:
        docs = {f["doc_id"]: f["content_hash"] for f in searcher.documents(rec="doc")}
        blocks: dict[str, int] = {}
        for fields in searcher.documents(rec="block"):
            blocks[fields["doc_id"]] = blocks.get(fields["doc_id"], 0) + 1
        metas = {f["doc_id"]: f["meta"]["blocks"] for f in searcher.documents(rec="doc")}
        found = search(searcher, SearchQuery(q="合成标记", per_page=5))
        return {
            "generation": store.current_name(),
            "docs": docs,
            "blocks": blocks,
            "complete": metas == blocks,  # every report has exactly its own paragraphs
            "hits": found.total,
            "first": [hit.id for hit in found.hits],
        }


def count(index: Path, q: str) -> int:
    searcher, _ = IndexStore(index).searcher()
    with searcher:
        return search(searcher, SearchQuery(q=f'"{q}"')).total


def generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob(GEN_PREFIX + "*"))


def assert_lock_free(index: Path) -> None:
    with open(index / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
        fcntl.flock(handle, fcntl.LOCK_UN)
    writelock = FileStorage(str(index / IndexStore(index).current_name())).lock(
        f"{WHOOSH_NAME}_WRITELOCK"
    )
    assert writelock.acquire(blocking=False), "Whoosh's write lock is still held"
    writelock.release()


def assert_no_leftovers(index: Path, previous: str | None = None) -> None:
    """The live generation (and the one a full build just replaced, kept for readers still
    opening it), holding only files its latest commit lists (no temporary files)."""
    live = IndexStore(index).current_name()
    assert generations(index) == sorted({live, previous or live})
    folder = index / live
    toc = TOC.read(FileStorage(str(folder)), WHOOSH_NAME)
    segments = {segment.segment_id() for segment in toc.segments}
    for entry in folder.iterdir():
        name = entry.name
        if name in ("settings.json", "userdict.txt", f"{WHOOSH_NAME}_WRITELOCK"):
            continue
        if name == "ngrams":  # one n-gram table per segment, named after it, nothing else
            assert {table.name for table in entry.iterdir()} == segments, f"tables in {live}"
            continue
        if name == RECORDS_DIR:  # the report records of each segment, nothing else
            assert {p.name for p in entry.iterdir()} == segments, f"records in {live}"
            continue
        if name in (textstore.FOLDER, reprints.FOLDER):  # a manifest and the parts it names
            store = (
                textstore.store_of(folder)
                if name == textstore.FOLDER
                else reprints.store_of(folder)
            )
            manifest = store.manifest()
            named = {part["name"] for part in manifest["parts"]} | {MANIFEST, manifest.get("blob")}
            assert {p.name for p in entry.iterdir()} <= named, f"left over in {live}/{name}"
            continue
        if name == f"_{WHOOSH_NAME}_{toc.generation}.toc":
            continue
        assert name.split(".")[0] in segments, f"left over in {live}: {name}"


# Running the command line ----------------------------------------------------------------------


def manage(*args: str) -> list[str]:
    return [sys.executable, str(PROJECT / "manage.py"), *args]


def start(args: list[str], log: Path, launcher: list[str] | None = None) -> subprocess.Popen:
    """A command in a session of its own (so its processes can be found), output to ``log``."""
    with open(log, "w") as handle:
        return subprocess.Popen(
            (launcher or []) + args,
            cwd=PROJECT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run(
    args: list[str], launcher: list[str] | None = None, timeout: float = WAIT
) -> subprocess.CompletedProcess:
    return subprocess.run(
        (launcher or []) + args,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ingest_args(work: dict, *extra: str) -> list[str]:
    return manage(
        "ingest", "--archive", str(work["archive"]), "--index", str(work["index"]),
        "--jobs", JOBS, *extra,
    )  # fmt: skip


def session_members(session: int) -> list[int]:
    """Live (not zombie) processes of a session."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) == session:  # state, ..., session id
            members.append(int(stat.parent.name))
    return members


def kill_when(proc: subprocess.Popen, index: Path, moment: Callable[[], bool]) -> bool:
    """SIGKILL the ingest process (only it, as the OOM killer would) once ``moment()`` holds;
    False when it finished first. The ingest lock must be free at once (no process it forked
    holds it), and every process it forked must be gone soon."""
    deadline = time.monotonic() + WAIT
    while not moment():
        if proc.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(WAIT)
    with open(index / LOCK_NAME, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
    deadline = time.monotonic() + 10
    while session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = session_members(proc.pid)
    for pid in left:  # clean up before failing
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes of the killed ingest still running: {left}"
    return True


def fresh_generation(index: Path, known: set[str]) -> Path | None:
    """A generation folder that is not one of ``known``."""
    names = [name for name in generations(index) if name not in known]
    return index / names[0] if names else None


def names_under(folder: Path) -> list[str]:
    """Names of every file and folder under ``folder`` (none once it is gone)."""
    try:
        return [path.name for path in folder.rglob("*")]
    except FileNotFoundError:
        return []


# Moments of a full build, in order: what appears in the new generation folder.
BUILD_MOMENTS = [
    ("new generation folder created", None),
    ("documents handed to the sub-writers", r"\.doclist$"),
    ("sub-writers writing their segments", r"\.col$"),
    ("sub-writers assembling their segments", rf"^{WHOOSH_NAME}_\w+\.seg$"),
]


def build_moment(index: Path, pattern: str | None) -> Callable[[], bool]:
    known = set(generations(index))

    def reached() -> bool:
        folder = fresh_generation(index, known)
        if folder is None or pattern is None:
            return folder is not None
        return any(re.search(pattern, name) for name in names_under(folder))

    return reached


# Killed ingests --------------------------------------------------------------------------------


def test_killed_full_build_leaves_the_index_serving_and_the_next_ingest_recovers(work):
    index = work["index"]
    add_report(work["archive"], "new", "新增标记")
    before = state(index)
    assert before["complete"] and len(before["docs"]) == REPORTS
    for label, pattern in BUILD_MOMENTS:
        proc = start(ingest_args(work, "--rebuild"), work["tmp"] / "ingest.log")
        if not kill_when(proc, index, build_moment(index, pattern)):
            # Only the last moment, a few milliseconds before the swap, may be missed: then the
            # build must have completed.
            assert label == BUILD_MOMENTS[-1][0], f"the ingest ended before: {label}"
            assert proc.returncode == 0 and state(index)["complete"]
            assert count(index, "新增标记") == PARAGRAPHS
            break
        assert state(index) == before, label
        assert count(index, "新增标记") == 0
        assert_lock_free(index)
    add_report(work["archive"], "recover", "恢复标记")
    recovered = run(ingest_args(work))
    assert recovered.returncode == 0, recovered.stderr
    after = state(index)
    assert after["complete"] and len(after["docs"]) == REPORTS + 2
    assert count(index, "新增标记") == count(index, "恢复标记") == PARAGRAPHS
    assert_no_leftovers(index)


def change_reports(archive: Path, how_many: int, marker: str) -> None:
    for path in sorted(archive.glob("r*.txt"))[:how_many]:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("合成标记", marker), encoding="utf-8")


def test_killed_incremental_update_leaves_the_index_serving_and_the_next_ingest_recovers(work):
    index = work["index"]
    changed = REPORTS // 2
    change_reports(work["archive"], changed, "改版标记")
    before = state(index)
    live = index / before["generation"]

    def writer_open() -> Callable[[], bool]:
        present = set(names_under(live))
        return lambda: any(name not in present for name in names_under(live))

    def writing_postings() -> Callable[[], bool]:
        """The commit's main part: the new segment's postings file stops being empty."""
        present = set(names_under(live))

        def reached() -> bool:
            for path in live.glob(f"{WHOOSH_NAME}_*.pst"):
                with contextlib.suppress(FileNotFoundError):
                    if path.name not in present and path.stat().st_size > 0:
                        return True
            return False

        return reached

    proc = start(ingest_args(work), work["tmp"] / "ingest.log")
    assert kill_when(proc, index, writer_open()), "the update ended before its writer opened"
    assert state(index) == before
    assert_lock_free(index)

    proc = start(ingest_args(work), work["tmp"] / "ingest.log")
    assert kill_when(proc, index, writing_postings()), "the update ended before its commit"
    middle = state(index)  # a commit is all or nothing
    assert middle["complete"]
    assert middle == before or count(index, "改版标记") == changed * PARAGRAPHS
    assert_lock_free(index)

    recovered = run(ingest_args(work))
    assert recovered.returncode == 0, recovered.stderr
    after = state(index)
    assert after["complete"] and len(after["docs"]) == REPORTS
    assert after["generation"] == before["generation"]
    assert count(index, "改版标记") == changed * PARAGRAPHS
    assert count(index, "合成标记") == (REPORTS - changed) * PARAGRAPHS
    assert_no_leftovers(index)


# Two ingests at once ---------------------------------------------------------------------------


def test_a_second_ingest_refuses_at_once_and_neither_corrupts_the_index(work):
    index = work["index"]
    add_report(work["archive"], "new", "新增标记")
    for k in range(MORE_REPORTS):  # a first ingest that outlasts a second one's start-up
        add_report(work["archive"], f"more{k}", "增补标记")
    old = IndexStore(index).current_name()
    holds_lock = build_moment(index, None)  # the lock is taken before the generation is made
    first = start(ingest_args(work, "--rebuild"), work["tmp"] / "first.log")
    deadline = time.monotonic() + WAIT
    while not holds_lock():
        assert first.poll() is None and time.monotonic() < deadline, "first ingest ended"
        time.sleep(0.01)
    # The first is paused while the second runs: on a loaded machine the second's start-up
    # could otherwise outlast the whole first build. A second that waits for the lock instead
    # of refusing would now wait for ever (a timeout fails the test).
    os.kill(first.pid, signal.SIGSTOP)
    try:
        second = run(ingest_args(work), timeout=WAIT / 2)
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.poll() is None, "the second ingest waited for the first"
    assert second.returncode == 3
    assert "another ingest is running" in second.stderr
    assert str(index / LOCK_NAME) in second.stderr
    assert "Traceback" not in second.stderr
    assert first.wait(WAIT) == 0, (work["tmp"] / "first.log").read_text()
    after = state(index)
    assert after["complete"] and len(after["docs"]) == REPORTS + 1 + MORE_REPORTS
    assert count(index, "新增标记") == PARAGRAPHS
    assert_no_leftovers(index, previous=old)


# A full disk or an unwritable index ------------------------------------------------------------


def size_limited(limit: int) -> list[str]:
    """A launcher that runs a command with files limited to ``limit`` bytes (as on a full
    disk: writes fail with EFBIG; SIGXFSZ is ignored so they fail instead of killing)."""
    code = (
        "import os, resource, signal, sys; "
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "os.execv(sys.argv[1], sys.argv[1:])"
    )
    return [sys.executable, "-c", code]


@pytest.mark.parametrize("limit", [64 << 10, 256 << 10])
def test_full_disk_during_a_full_build(work, limit):
    index = work["index"]
    before = state(index)
    add_report(work["archive"], "new", "新增标记")
    result = run(ingest_args(work, "--rebuild"), launcher=size_limited(limit))
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"the index could not be written in {index}" in result.stderr
    assert "File too large; the previous index is unchanged" in result.stderr
    assert "Traceback" not in result.stderr
    assert state(index) == before
    assert generations(index) == [before["generation"]]  # the failed one is removed at once


def test_full_disk_during_an_incremental_update(work):
    index = work["index"]
    before = state(index)
    change_reports(work["archive"], 10, "改版标记")
    result = run(ingest_args(work), launcher=size_limited(16 << 10))
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"the index could not be written in {index}" in result.stderr
    assert state(index) == before
    assert_no_leftovers(index)  # the failed commit's segments are gone at once: disk given back
    recovered = run(ingest_args(work))
    assert recovered.returncode == 0, recovered.stderr
    assert count(index, "改版标记") == 10 * PARAGRAPHS
    assert_no_leftovers(index)


def test_full_disk_during_a_no_op_ingest_and_a_settings_update(work):
    """A no-op ingest writes nothing, so a full disk does not stop it; an ingest that must
    note a moved archive fails cleanly (exit 3, no traceback, no temporary file left)."""
    index = work["index"]
    assert run(ingest_args(work)).returncode == 0  # notes this test's archive folder
    before = state(index)
    settings = (index / before["generation"] / "settings.json").read_text(encoding="utf-8")
    no_op = run(ingest_args(work), launcher=size_limited(0))
    assert no_op.returncode == 0, no_op.stdout + no_op.stderr
    moved = work["tmp"] / "moved"
    work["archive"].rename(moved)
    result = run(
        manage("ingest", "--archive", str(moved), "--index", str(index), "--jobs", JOBS),
        launcher=size_limited(0),
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"the index could not be written in {index}: File too large" in result.stderr
    assert "Traceback" not in result.stderr
    assert state(index) == before
    folder = index / before["generation"]
    assert (folder / "settings.json").read_text(encoding="utf-8") == settings
    assert not list(folder.glob("*.tmp")), "a temporary file was left behind"


def test_an_index_folder_that_cannot_be_created(work):
    blocked = work["tmp"] / "a file"
    blocked.write_text("not a folder\n", encoding="utf-8")
    result = run(manage("ingest", "--archive", str(work["archive"]), "--index", str(blocked)))
    assert result.returncode == 2, result.stderr  # a usage error, caught by the option itself
    assert f"Directory '{blocked}' is a file" in result.stderr
    target = blocked / "index"
    result = run(manage("ingest", "--archive", str(work["archive"]), "--index", str(target)))
    assert result.returncode == 3, result.stderr
    assert f"the index could not be written in {target}: Not a directory" in result.stderr
    assert "Traceback" not in result.stderr


# Killed just after the swap ------------------------------------------------------------------


def fsyncs_until_swap(work: dict) -> int:
    """How many fsync calls a full build makes before it replaces ``CURRENT``, plus one: the
    number of the first fsync after the swap."""
    log = work["tmp"] / "strace.log"
    traced = run(
        [
            "strace",
            "-f",
            "-o",
            str(log),
            "-e",
            "trace=fsync,rename",
            *ingest_args(work, "--rebuild"),
        ]
    )
    assert traced.returncode == 0, traced.stderr
    fsyncs = 0
    for line in log.read_text().splitlines():
        if "rename(" in line and "CURRENT.tmp" in line:
            return fsyncs + 1
        fsyncs += " fsync(" in line and "resumed" not in line
    raise AssertionError("the build never replaced CURRENT")


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
def test_a_build_killed_just_after_the_swap_serves_its_own_archive(work):
    """Killed at the first fsync after ``CURRENT`` names the new generation, the generation
    already holds everything it needs: ``/raw`` serves the archive it was built from."""
    index, archive = work["index"], work["archive"]
    when = fsyncs_until_swap(work)
    before = IndexStore(index).current_name()
    add_report(archive, "after", "替换标记")
    inject = f"inject=fsync:signal=KILL:when={when}"
    killed = run(
        [
            "strace",
            "-f",
            "-o",
            "/dev/null",
            "-e",
            "trace=fsync",
            "-e",
            inject,
            *ingest_args(work, "--rebuild"),
        ]
    )
    assert killed.returncode != 0, "the ingest was not killed"
    live = IndexStore(index).current_name()
    assert live != before, "killed before the swap: the test did not reach its moment"
    settings = json.loads((index / live / "settings.json").read_text(encoding="utf-8"))
    assert settings["archive"] == str(archive.resolve())
    client = create_app({"INDEX_DIR": str(index)}).test_client()  # no ARCHIVE_DIR: as served
    assert client.get("/raw/after").data == (archive / "after.txt").read_bytes()
    assert count(index, "替换标记") == PARAGRAPHS


# Ctrl-C ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("rebuild", [True, False], ids=["full build", "update"])
def test_ctrl_c_stops_an_ingest_promptly_and_cleanly(work, rebuild):
    """SIGINT to the whole process group, as a terminal sends it, once the reading pool is at
    work: the ingest ends (exit 130, no traceback), leaves no process behind and the index as it
    was, and the next ingest succeeds."""
    index = work["index"]
    before = state(index)
    change_reports(work["archive"], REPORTS, "中断标记")
    for k in range(MORE_REPORTS):  # a reading pool that lives long enough to be seen under load
        add_report(work["archive"], f"more{k}", "增补标记")
    log = work["tmp"] / "ingest.log"
    proc = start(ingest_args(work, *(["--rebuild"] if rebuild else [])), log)
    deadline = time.monotonic() + WAIT
    while len(session_members(proc.pid)) < 3 and time.monotonic() < deadline:  # pool at work
        time.sleep(0.01)
    assert proc.poll() is None, "the ingest ended before its reading pool was seen at work"
    os.killpg(proc.pid, signal.SIGINT)
    try:
        code = proc.wait(WAIT)
    finally:
        for pid in session_members(proc.pid):
            os.kill(pid, signal.SIGKILL)
    output = log.read_text()
    assert code == 130, output
    assert "interrupted" in output and "Traceback" not in output
    deadline = time.monotonic() + 10
    while session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not session_members(proc.pid), "processes of the interrupted ingest still run"
    assert state(index) == before
    assert_lock_free(index)
    assert_no_leftovers(index)
    assert run(ingest_args(work)).returncode == 0
    assert count(index, "中断标记") == REPORTS * PARAGRAPHS


# Serving while ingesting -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=WAIT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}


@pytest.fixture
def server(work):
    """The real server (waitress) on the test's index, on a free loopback port."""
    port = free_port()
    proc = start(
        manage("serve", "--index", str(work["index"]), "--port", str(port)),
        work["tmp"] / "serve.log",
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT
    while True:
        try:
            if get_json(base + "/api/documents")[0] == 200:
                break
        except OSError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
        time.sleep(0.1)
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(WAIT)


class Watcher(threading.Thread):
    """Requests a search, a facet search and a document page in a loop; records the results."""

    def __init__(self, base: str, marker: str) -> None:
        super().__init__(daemon=True)
        self.urls = (
            f"{base}/api/search?q={urllib.request.quote(marker)}",
            f"{base}/api/search?q=%E5%85%AC%E5%AE%89&year=2021&sort=date_desc",
            f"{base}/api/documents/r001",
        )
        self.seen: list[int] = []  # the marker's total, request after request
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for url in self.urls:
                try:
                    status, body = get_json(url)
                except OSError as exc:
                    status, body = 0, {"error": str(exc)}
                if status != 200:
                    self.errors.append(f"{status} {url} {body}")
                elif url == self.urls[0]:
                    self.seen.append(body["total"])
            self.stop.wait(0.02)  # leave the ingest some processor time

    def until(self, total: int) -> None:
        """Keep watching until the marker's total is ``total`` (or WAIT seconds), then stop."""
        deadline = time.monotonic() + WAIT
        while (not self.seen or self.seen[-1] != total) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        self.stop.set()
        self.join(WAIT)


def test_requests_during_ingests_all_succeed_and_see_old_then_new(work, server):
    for marker, extra in (("增量标记", ()), ("重建标记", ("--rebuild",))):
        add_report(work["archive"], marker, marker)
        watcher = Watcher(server, marker)
        watcher.start()
        while len(watcher.seen) < 3:
            time.sleep(0.02)
        result = run(ingest_args(work, *extra))
        assert result.returncode == 0, result.stderr
        watcher.until(PARAGRAPHS)
        assert not watcher.errors, watcher.errors[:5]
        seen = watcher.seen
        flip = seen.index(PARAGRAPHS)  # old results until the commit, new ones after
        assert set(seen[:flip]) == {0} and set(seen[flip:]) == {PARAGRAPHS}, seen
        assert flip >= 3
    status, documents = get_json(server + "/api/documents")
    assert status == 200 and documents["total"] == REPORTS + 2


# Generations opened by a long-running server -----------------------------------------------------


def test_the_server_store_follows_swaps_keeps_one_generation_and_survives_removal(tmp_path):
    import gc
    import weakref

    archive, index, reports = write_archive(tmp_path / "archive", count=5), tmp_path / "index", 5
    ingest(archive, index, jobs=1, progress=quiet_progress)
    store = IndexStore(index)  # as the server holds it, across requests
    first = store.open()
    first_name = store.current_name()
    held, _ = store.searcher()  # a request still reading the old generation
    gone = weakref.ref(first)
    del first
    for marker in ("第一次重建", "第二次重建"):
        add_report(archive, marker, marker)
        ingest(archive, index, rebuild=True, jobs=1, progress=quiet_progress)
    assert not (index / first_name).exists()  # removed by the second rebuild's clean-up
    searcher, _ = store.searcher()
    with searcher:
        assert search(searcher, SearchQuery(q='"第二次重建"')).total == PARAGRAPHS
    with held:  # its files were deleted while it was open: it reads them all the same
        found = search(held, SearchQuery(q="合成标记", per_page=100))
        assert found.total == reports * PARAGRAPHS
        assert all(hit.snippet_html for hit in found.hits)
        assert sum(1 for _ in held.documents(rec="doc")) == reports
    del held, found
    gc.collect()
    assert gone() is None, "the store still holds the first generation's index"


def test_a_ctrl_c_during_a_fork_hook_is_not_lost():
    """A Ctrl-C that Python hands to the main thread while it runs an at-fork hook (another
    thread took the signal) reaches the ingest after the fork instead of being dropped."""
    import threading

    from archivist.indexing import _sigint_held

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are the main thread's")
    hooked = threading.Event()

    def during_fork() -> None:
        if hooked.is_set():
            os.kill(os.getpid(), signal.SIGINT)  # taken by the other thread: SIGINT is held here
            time.sleep(0.2)  # the handler runs in this thread meanwhile

    os.register_at_fork(after_in_parent=during_fork)
    idle = threading.Thread(target=time.sleep, args=(1.0,), daemon=True)
    idle.start()  # a thread with SIGINT not blocked, as the reading pool's threads have
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    hooked.set()
    try:
        with pytest.raises(KeyboardInterrupt):
            with _sigint_held():
                pid = os.fork()
                if pid == 0:
                    os._exit(0)
                os.waitpid(pid, 0)
            time.sleep(0.5)  # a Ctrl-C not lost arrives by now
    finally:
        hooked.clear()
        signal.signal(signal.SIGINT, previous)
