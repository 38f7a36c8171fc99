"""The paragraph index: schema, generations swapped in atomically, incremental updates.

Layout of the index folder::

    index/CURRENT          name of the live generation (replaced atomically)
    index/ingest.lock      held by the one ingest that may run at a time
    index/gen-*/           a Whoosh index, its settings.json and the userdict.txt it was built with

A full build writes a new generation beside the live one and swaps ``CURRENT`` when it is
complete; an incremental update is one Whoosh commit to the live generation. Readers never see
a half-written index.

Faults (see ``docs/guarantees.md``): an ingest killed at any point leaves the live generation as
it was. Every process an ingest forks (reading pool, Whoosh sub-writers) drops the ingest lock
and dies with it, so the kernel releases the lock at once; the next ingest removes what the
killed one left (unpublished generations, Whoosh's temporary files and uncommitted segments).
A write that fails (full disk, file size limit) is an ``IndexError_`` saying where, and the
live generation is untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm
from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, FileIndex, LockError, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from . import analysis, ngrams, reprints
from .archive import (
    REPORT_SUFFIX,
    Report,
    ReportFile,
    UnreadableFolder,
    hash_file,
    iter_blocks,
    list_reports,
    load_report,
    open_catalogue,
)
from .catalogue import Catalogue
from .citations import successors
from .folding import fold, folded_fingerprint
from .gazetteer import default_gazetteer
from .reading import ReportError
from .settings import load_settings

CURRENT_NAME = "CURRENT"
LOCK_NAME = "ingest.lock"
SETTINGS_NAME = "settings.json"
GEN_PREFIX = "gen-"
WHOOSH_NAME = "MAIN"  # Whoosh's default index name: files MAIN_*, _MAIN_<n>.toc, MAIN_WRITELOCK
OPEN_ATTEMPTS = 3

UNKNOWN_DATE_LAST = "~"  # sorts after every date, so unknown dates come last in oldest-first order


class IndexError_(Exception):
    """The index cannot be written or read; the message says why and where."""


class IngestBusy(IndexError_):
    """Another ingest holds the lock."""


def write_error(root: Path, exc: BaseException) -> IndexError_:
    """The error of an index write that failed: what, where, and that nothing changed."""
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return IndexError_(
        f"the index could not be written in {root}: {reason}; the previous index is unchanged"
    )


class StoredColumn(COLUMN):
    """A text value stored with its document and kept in a column, but not indexed (no
    postings): facet, filter and sort values, which are read as columns, never looked up."""

    stored = True

    def __init__(self) -> None:
        super().__init__(columns.VarBytesColumn())

    def to_bytes(self, value: str) -> bytes:
        return value.encode("utf-8")

    def from_bytes(self, value: bytes) -> str:
        return value.decode("utf-8")


def make_schema() -> Schema:
    """One Whoosh document per block, plus one record per report (``rec`` tells which).
    Only ``rec``, ``doc_id`` and ``n`` are looked up; the other values are columns."""
    return Schema(
        rec=ID(),
        doc_id=ID(stored=True, sortable=True),
        n=NUMERIC(int, bits=32, stored=True, sortable=True, signed=True),
        kind=StoredColumn(),
        text=STORED(),
        words=TEXT(analyzer=analysis.WordListTokenizer(), phrase=False),  # ready cut
        story=STORED(),
        fp=STORED(),
        title=STORED(),
        city=StoredColumn(),
        county=StoredColumn(),
        year=StoredColumn(),
        year_inferred=StoredColumn(),  # "1" when the year was deduced
        date=StoredColumn(),
        places=StoredColumn(),  # places the paragraph mentions (place_tokens)
        facts=STORED(),  # the facts of the paragraph's story (metadata.StoryMeta)
        date_first=StoredColumn(),
        date_last=StoredColumn(),
        meta=STORED(),
        content_hash=STORED(),
        lineage=STORED(),
        page=STORED(),
    )


def _cached_reader(self, fieldname: str, column):
    """``W3PerDocReader._cached_reader`` that also remembers a column a segment lacks: Whoosh
    2.7.4 asks the file system again for every posting whose field has no length column (a
    third of the time of a commit)."""
    readers = self._readers
    if fieldname not in readers:
        present = self.has_column(fieldname)
        readers[fieldname] = self.column_reader(fieldname, column) if present else None
    return readers[fieldname]


W3PerDocReader._cached_reader = _cached_reader  # a segment's files never change once written


def fingerprint(text: str) -> str:
    """A short digest of a block's folded text, carried by permalinks."""
    return folded_fingerprint(fold(text))


ANALYSED = "_analysed"  # a block document's (folded text, words); Whoosh ignores "_" names


def add_document(writer, document: dict, inputs: ngrams.TableInputs) -> None:
    """Add a document to a Whoosh writer, and a block's analysis to the n-gram table inputs."""
    analysed = document.pop(ANALYSED, None)
    writer.add_document(**document)
    if analysed is not None:
        inputs.add(document["doc_id"], document["n"], *analysed, document.get("kind", ""))


def sort_dates(date: str, year: str) -> tuple[str, str]:
    """The keys a report sorts by, oldest first and newest first: its date, else its year (a
    report known only by its year sorts by the year); unknown dates come last either way."""
    known = date or year
    return known, known or UNKNOWN_DATE_LAST


def place_tokens(places: Iterable[tuple[str, str]]) -> str:
    """A paragraph's mentioned places as one column value: ``株洲市 株洲市/茶陵县`` (every
    county also gives its city), each once."""
    tokens: dict[str, None] = {}
    for city, county in places:
        tokens[city] = None
        if county:
            tokens[f"{city}/{county}"] = None
    return " ".join(tokens)


def _dated(city: str, county: str, date: str, year: int | None, inferred: bool) -> dict:
    """The facet and sort fields of a report or a story."""
    year_text = str(year) if year else ""
    date_first, date_last = sort_dates(date, year_text)
    return {
        "city": city,
        "county": county,
        "year": year_text,
        "year_inferred": "1" if inferred and year_text else "",
        "date": date,
        "date_first": date_first,
        "date_last": date_last,
    }


def block_documents(report: Report, lineage: dict[str, str] | None = None) -> Iterator[dict]:
    """The Whoosh documents of a report: its record, then its blocks, each block with its
    story's facts (its place and date are the story's). ``lineage`` maps the fingerprints of
    corrected text to the blocks that replaced it (for permalinks)."""
    meta = report.meta
    record = {
        "meta": meta.to_dict()
        | {
            "blocks": len(report.blocks),
            "size": report.size,
            "file": report.file,
            "media_type": report.media_type,
        },
        "content_hash": report.content_hash,
        "lineage": lineage or {},
    }
    own = _dated(meta.city, meta.county, meta.date, meta.year, meta.year_inferred)
    yield {"rec": "doc", "doc_id": report.doc_id, "title": meta.title, **own, **record}
    stories = meta.stories or [{}]
    places = report.places or [[] for _ in report.blocks]
    story = 0
    pages = report.pages or [None] * len(report.blocks)
    analysed = report.analysed or [analysis.analyse(block.text) for block in report.blocks]
    blocks = zip(iter_blocks(report), places, pages, analysed, strict=True)
    for (n, block), mentioned, page, (folded, words) in blocks:
        while story + 1 < len(stories) and stories[story + 1].get("first", 0) <= n:
            story += 1
        facts = stories[story]
        dated = _dated(
            facts.get("city", meta.city),
            facts.get("county", meta.county),
            facts.get("date", meta.date),
            facts.get("year", meta.year),
            facts.get("year_inferred", meta.year_inferred),
        )
        yield {
            "rec": "block",
            "doc_id": report.doc_id,
            "title": meta.title,
            **dated,
            "n": n,
            "kind": block.kind,
            "text": block.text,
            "words": analysis.word_list(words),
            "story": block.story,
            "facts": facts,
            "places": place_tokens(mentioned),
            "fp": folded_fingerprint(folded),
            "page": page,
            ANALYSED: (folded, words),  # not a field: for the segment's n-gram table
        }


def open_for_reading(folder: Path) -> FileIndex:
    """A generation's Whoosh index opened for searching, with plain file reads.

    Whoosh 2.7.4 on Python 3 wraps each memory-mapped segment file in ``BytesIO``, which copies
    the whole file every time a searcher opens: 48 ms and hundreds of megabytes per request on
    a 20,000-paragraph index, against 1 ms with plain reads.
    """
    return FileStorage(str(folder), supports_mmap=False).open_index()


@dataclass(frozen=True)
class LiveIndex:
    """An opened generation: its folder name, Whoosh index and the user dictionary it uses."""

    name: str
    index: FileIndex
    userdict: str


class IndexStore:
    """The index folder: its live generation, its lock, and opening it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._live: LiveIndex | None = None  # only the live generation is kept open
        self._threads = threading.local()  # each thread's kept searcher (kept_searcher)

    @property
    def current_path(self) -> Path:
        return self.root / CURRENT_NAME

    def current_name(self) -> str | None:
        """The live generation's folder name, or None when there is no index yet."""
        try:
            name = self.current_path.read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        return name if name.startswith(GEN_PREFIX) and (self.root / name).is_dir() else None

    def exists(self) -> bool:
        return self.current_name() is not None

    def generation_dir(self) -> Path:
        """The live generation's folder; raises IndexError_ when there is none."""
        name = self.current_name()
        if name is None:
            raise IndexError_(f"no index in {self.root}: run 'python manage.py ingest' first")
        return self.root / name

    def live(self) -> LiveIndex:
        """The live generation, opened once; a newly published one replaces the old one."""
        name = self.generation_dir().name
        live = self._live
        if live is None or live.name != name:
            folder = self.root / name
            self._check_version(folder)
            index = open_for_reading(folder)
            userdict = analysis.load_user_dictionary(folder / analysis.USERDICT_NAME)
            live = self._live = LiveIndex(name, index, userdict)
        return live

    def _check_version(self, folder: Path) -> None:
        """Refuse a generation built by another version of the analysis (its fields differ)."""
        try:
            built = json.loads((folder / SETTINGS_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexError_(f"the index in {folder} has no readable {SETTINGS_NAME}") from exc
        version = built.get("analysis_version")
        if version != analysis.ANALYSIS_VERSION:
            raise IndexError_(
                f"the index in {self.root} was built by another version (analysis {version}, "
                f"this one reads {analysis.ANALYSIS_VERSION}): run 'python manage.py ingest'"
            )

    def open(self) -> FileIndex:
        """The live Whoosh index."""
        return self.live().index

    def searcher(self) -> tuple[Searcher, str]:
        """A searcher on the live generation and the user dictionary it was built with.

        A searcher holds its files open, so it keeps working when its generation is removed;
        a generation removed between reading ``CURRENT`` and opening it is retried.
        """
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            live = self.live()
            try:
                return live.index.searcher(), live.userdict
            except (FileNotFoundError, EmptyIndexError) as exc:
                if attempt == OPEN_ATTEMPTS:
                    raise IndexError_(f"the index in {self.root} cannot be opened: {exc}") from exc
                self._live = None
        raise AssertionError("unreachable")

    def kept_searcher(self) -> tuple[Searcher, str]:
        """Like :meth:`searcher`, but this thread's searcher is kept and given again while it
        is on the latest commit of the live generation (opening one reads every segment's
        term table: more than most searches cost). Do not close it; a newer one closes it."""
        live = self.live()
        kept = getattr(self._threads, "kept", None)
        if kept is not None:
            name, searcher = kept
            try:
                fresh = name == live.name and not searcher.is_closed and searcher.up_to_date()
            except OSError:  # its generation was removed
                fresh = False
            if fresh:
                return searcher, live.userdict
            self._threads.kept = None
            searcher.close()
        searcher, userdict = self.searcher()
        self._threads.kept = (self.live().name, searcher)
        return searcher, userdict

    def settings(self) -> dict:
        """The live generation's settings (analysis fingerprint, build time, the archive folder
        it was last brought up to date with)."""
        path = self.generation_dir() / SETTINGS_NAME
        return json.loads(path.read_text(encoding="utf-8"))

    def user_dictionary(self) -> str:
        """The user dictionary the live generation was built with."""
        return self.live().userdict

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the ingest lock; raises IngestBusy at once when another ingest holds it."""
        path = self.root / LOCK_NAME
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = open(path, "a+")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise write_error(self.root, exc) from exc
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IngestBusy(
                    f"another ingest is running: it holds the lock {path}; "
                    "try again when it has finished"
                ) from exc
            with _children_let_go(handle.fileno()):
                yield
        finally:
            handle.close()

    def new_generation(self) -> Path:
        """A fresh, empty generation folder beside the live one."""
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = self.root / f"{GEN_PREFIX}{stamp}-{os.getpid()}"
        path.mkdir(parents=True)
        return path

    def publish(self, generation: Path) -> None:
        """Make a complete generation the live one, atomically."""
        write_durably(self.current_path, generation.name + "\n")

    def clean(self, keep_previous: str | None) -> None:
        """Remove generations that are neither live nor the one just replaced (readers may
        still be opening it), such as those left by an interrupted build."""
        live = self.current_name()
        for path in self.root.glob(GEN_PREFIX + "*"):
            if path.name not in (live, keep_previous):
                shutil.rmtree(path, ignore_errors=True)

    def recover(self) -> None:
        """Remove what a killed ingest left (call with the lock held): unpublished generations,
        and in the live one Whoosh's temporary files and segments that no commit refers to."""
        self.clean(keep_previous=None)
        (self.root / (CURRENT_NAME + ".tmp")).unlink(missing_ok=True)
        name = self.current_name()
        if name is not None:
            clean_live_generation(self.root / name)


_WHOOSH_TEMPORARY = re.compile(rf"^_{WHOOSH_NAME}_\d+\.toc\.[\d.e+-]+$|\.tmp$")


def clean_live_generation(folder: Path) -> None:
    """Remove a killed Whoosh writer's leftovers: temporary folders and files, and segment
    files the latest commit does not list. Raises IndexError_ when a writer is still alive."""
    storage = FileStorage(str(folder))
    writelock = storage.lock(f"{WHOOSH_NAME}_WRITELOCK")
    if not writelock.acquire(blocking=False):
        raise IndexError_(
            f"another process is writing the index {folder} "
            f"(it holds {WHOOSH_NAME}_WRITELOCK); stop it or wait for it to finish"
        )
    try:
        for entry in folder.iterdir():
            if _WHOOSH_TEMPORARY.search(entry.name):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
        try:
            toc = TOC.read(storage, WHOOSH_NAME)
        except EmptyIndexError:
            return  # no commit at all: nothing to compare with, the update will say why
        clean_files(storage, WHOOSH_NAME, toc.generation, toc.segments)
    finally:
        writelock.release()


# Processes forked during an ingest ------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_HELD: dict[str, object] = {}  # while this process holds the ingest lock: its fd, pid, prctl


@contextlib.contextmanager
def _children_let_go(lock_fd: int) -> Iterator[None]:
    """While the lock is held, every process forked from this one (the reading pool, Whoosh's
    sub-writers) drops its copy of the lock and is killed when this process dies, so a killed
    ingest leaves no process holding the lock or writing the index."""
    _HELD.update(fd=lock_fd, pid=os.getpid(), prctl=_prctl())
    try:
        yield
    finally:
        _HELD.clear()


def _prctl():
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: children still drop the lock
        return None


def _after_fork_in_child() -> None:
    fd, parent, prctl = _HELD.get("fd"), _HELD.get("pid"), _HELD.get("prctl")
    if fd is None:
        return
    _HELD.clear()
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, fd)  # the fd number stays valid; the lock's open file is let go
    os.close(devnull)
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)


os.register_at_fork(after_in_child=_after_fork_in_child)


@dataclass
class IngestResult:
    """What an ingest did."""

    documents: int = 0
    paragraphs: int = 0
    seconds: float = 0.0
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    kept: int = 0  # indexed reports kept because their folder could not be read
    rebuilt: bool = False
    skipped: list[ReportError] = field(default_factory=list)
    catalogue_errors: list[str] = field(default_factory=list)
    catalogue_more_errors: int = 0  # problems found beyond those listed
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        mode = "full build" if self.rebuilt else "incremental"
        kept = f", {self.kept} kept unread" if self.kept else ""
        return (
            f"{self.documents} documents, {self.paragraphs} paragraphs in {self.seconds:.1f} s "
            f"({mode}: {self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged{kept}, {len(self.skipped)} skipped)"
        )


ProgressFactory = Callable[[int, str], tqdm]


def terminal_progress(total: int, label: str) -> tqdm:
    """tqdm on standard error: a bar redrawn on a terminal, a status every 5 s in a log."""
    interactive = sys.stderr.isatty()
    return tqdm(
        total=total,
        desc=label,
        unit="report",
        file=sys.stderr,
        mininterval=0.1 if interactive else 5,
        dynamic_ncols=interactive,
    )


def quiet_progress(total: int, label: str) -> tqdm:
    """A progress display that prints nothing (for tests and library use)."""
    return tqdm(total=total, desc=label, disable=True)


_WORKER: dict[str, object] = {}


def _init_worker(catalogue: Catalogue, settings: str, userdict: str) -> None:
    _WORKER.update(catalogue=catalogue, settings=settings)
    analysis.use_user_dictionary(userdict)


def _init_pool_worker(catalogue: Catalogue, settings: str, userdict: str) -> None:
    """A reading-pool process: Ctrl-C is the parent's to handle (it ends the pool), so the
    workers do not die one by one with tracebacks while the pool replaces them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held while it was forked
    _init_worker(catalogue, settings, userdict)


def _load_in_worker(file: ReportFile) -> Report | ReportError:
    name = file.name or file.doc_id + REPORT_SUFFIX
    try:
        catalogue = _WORKER["catalogue"]
        settings = _WORKER["settings"]
        report = load_report(file, catalogue, settings, home=catalogue.home)  # type: ignore[arg-type,union-attr]
        report.analysed = [analysis.analyse(block.text) for block in report.blocks]
        report.signed = reprints.sign(
            (n, folded, block.kind)
            for (n, block), (folded, _words) in zip(
                iter_blocks(report), report.analysed, strict=True
            )
        )
        return report
    except ReportError as exc:
        return ReportError(name, exc.reason)
    except Exception as exc:  # one bad report must not stop an ingest
        return ReportError(name, f"cannot be ingested: {type(exc).__name__}: {exc}")


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """SIGINT held back while processes are forked: no worker takes a Ctrl-C in the moment
    between its fork and its own handler, and a Ctrl-C pressed meanwhile reaches the ingest
    as soon as the workers are born instead of being lost.

    Blocking it in this thread is not enough: the kernel hands a process's signal to another
    thread (the reading pool's), and Python then runs the handler in this one at the next
    step, which may be inside a Python at-fork hook (logging's), where a KeyboardInterrupt is
    printed and dropped. So the handler meanwhile only notes the Ctrl-C, and the previous one
    gets it once the block is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: noted.append(signum))
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, previous)
        if noted:
            signal.raise_signal(signal.SIGINT)


LOAD_AHEAD_PER_JOB = 16  # reports read ahead of the writer, per reading process


def _load_all(
    files: list[ReportFile], catalogue: Catalogue, settings: str, userdict: str, jobs: int
) -> Iterator[Report | ReportError]:
    """Load reports in reading order, in ``jobs`` processes, at most ``LOAD_AHEAD_PER_JOB``
    reports per process ahead of the caller (memory stays bounded when writing is slower)."""
    if jobs <= 1 or len(files) < 4:
        _init_worker(catalogue, settings, userdict)
        yield from map(_load_in_worker, files)
        return
    context = multiprocessing.get_context("fork")
    with _sigint_held():  # workers are born with Ctrl-C held, until their initializer ignores it
        pool = context.Pool(jobs, _init_pool_worker, (catalogue, settings, userdict))
    pending: deque = deque()
    try:
        for file in files:
            pending.append(pool.apply_async(_load_in_worker, (file,)))
            if len(pending) >= jobs * LOAD_AHEAD_PER_JOB:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
        pool.close()
    finally:
        pool.terminate()  # at once, also on Ctrl-C or an error: no worker outlives the ingest
        pool.join()


@dataclass
class ArchiveState:
    """What the archive holds now: readable report files, refused files, unreadable folders."""

    files: list[ReportFile]
    refused: list[ReportError]
    unreadable: list[UnreadableFolder]

    @classmethod
    def read(cls, archive_dir: Path) -> ArchiveState:
        files, refused = list_reports(archive_dir)
        unreadable = [error for error in refused if isinstance(error, UnreadableFolder)]
        return cls(files, refused, unreadable)

    def hides(self, doc_id: str) -> bool:
        """True when ``doc_id`` may lie in a folder that could not be read."""
        return any(folder.holds(doc_id) for folder in self.unreadable)


def ingest(
    archive_dir: Path,
    index_root: Path,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    progress: ProgressFactory | None = None,
    allow_removals: bool = False,
) -> IngestResult:
    """Bring the index in line with the archive: incrementally, or as a full build.

    Raises ``IndexError_`` when the index cannot be written or read, and ``RemovalsRefused``
    (leaving the index as it was) when the ingest would empty it or remove more than
    ``MAX_REMOVED_SHARE`` of it, unless ``allow_removals``.
    """
    started = time.monotonic()
    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise IndexError_(f"archive folder not found: {archive_dir}")
    jobs = max(1, jobs or os.cpu_count() or 1)
    store = IndexStore(index_root)
    with store.lock():
        try:
            result = _ingest_locked(
                store, archive_dir, rebuild, jobs, progress or terminal_progress, allow_removals
            )
        except (OSError, LockError) as exc:
            raise write_error(store.root, exc) from exc
    result.seconds = time.monotonic() - started
    return result


def _ingest_locked(store, archive_dir, rebuild, jobs, progress, allow_removals) -> IngestResult:
    store.recover()
    userdict = analysis.load_user_dictionary(archive_dir / analysis.USERDICT_NAME)
    analysis.use_user_dictionary(userdict)
    archive_settings = load_settings(archive_dir, default_gazetteer())
    settings = analysis.settings_fingerprint(userdict) + "|" + archive_settings.fingerprint()
    archive = ArchiveState.read(archive_dir)
    result = IngestResult(skipped=list(archive.refused))
    full = rebuild or built_with(store) != settings
    with previous_generation(store, result) as old:
        indexed = indexed_hashes(old) if old is not None else {}
        kept = [doc_id for doc_id in indexed if archive.hides(doc_id)]
        known = {f.doc_id for f in archive.files} | set(kept)
        removed = [doc_id for doc_id in indexed if doc_id not in known]
        check_removals(removed, len(indexed), allow_removals)
        catalogue = open_catalogue(archive_dir, known)
        catalogue.home = archive_settings.home
        result.catalogue_errors = [*catalogue.errors, *archive_settings.errors]
        result.catalogue_more_errors = catalogue.more_errors
        build = Build(store, archive_dir, catalogue, settings, userdict, jobs, progress, result)
        if full:
            build.full(archive.files, kept, old)
            result.removed = len(removed)  # not carried into the new generation
        else:
            build.update(archive.files, kept, removed, old, indexed)
    _update_tables(store, build.inputs)
    _update_reprints(store, build.inputs)
    _count(store, result)
    return result


def write_tables(generation: Path, inputs: ngrams.TableInputs | None = None) -> None:
    """Give every segment of a generation its n-gram table (``ngrams``) from what the ingest
    analysed (``inputs``), and drop the tables of merged-away segments."""
    with open_for_reading(generation).reader() as reader:
        ngrams.write_missing_tables(generation, reader, inputs)


MAX_REMOVED_SHARE = 0.5


def built_with(store: IndexStore) -> str | None:
    """The analysis settings the live generation was built with; None when there is no
    generation or its settings cannot be read (then a full build is due)."""
    if not store.exists():
        return None
    try:
        return store.settings().get("settings")
    except (OSError, ValueError, AttributeError):
        return None


class RemovalsRefused(IndexError_):
    """The ingest would empty the index or remove most of it: refused unless allowed."""


def check_removals(removed: list[str], indexed: int, allowed: bool) -> None:
    """Refuse to remove every indexed report, or more than ``MAX_REMOVED_SHARE`` of them,
    without ``allowed``: an empty, unmounted or half-copied archive looks like deletions."""
    empties = len(removed) >= indexed
    if allowed or not removed or (not empties and len(removed) <= MAX_REMOVED_SHARE * indexed):
        return
    shown = ", ".join(removed[:3]) + (f" and {len(removed) - 3} more" if len(removed) > 3 else "")
    raise RemovalsRefused(
        f"this ingest would remove {len(removed)} of the {indexed} reports in the index "
        f"({shown}): is the archive folder empty, unmounted or incomplete? The index is "
        "unchanged. If these reports were deleted on purpose, run the ingest again with "
        "--allow-removals"
    )


@contextlib.contextmanager
def previous_generation(store: IndexStore, result: IngestResult) -> Iterator[Searcher | None]:
    """A searcher on the live generation, whatever analysis built it (its stored fields give
    the lineage of corrected text and the reports to keep); None when there is no index or it
    cannot be read (then said in ``result.warnings``)."""
    name = store.current_name()
    if name is None:
        yield None
        return
    try:
        searcher = open_for_reading(store.root / name).searcher()
    except Exception as exc:  # an index of an older version may not even unpickle
        result.warnings.append(
            f"the previous index cannot be read ({type(exc).__name__}: {exc}): permalinks to "
            "corrected text now land by paragraph number"
        )
        yield None
        return
    with searcher:
        yield searcher


def indexed_hashes(searcher: Searcher) -> dict[str, str]:
    """doc_id -> content hash of every report in the index."""
    return {
        fields["doc_id"]: fields.get("content_hash", "") for fields in searcher.documents(rec="doc")
    }


def previous_lineage(old: Searcher, report: Report) -> dict[str, str]:
    """Where the indexed version's text went in the new version of a report (see
    ``citations.successors``), including the earlier versions' lineage."""
    record = old.document(rec="doc", doc_id=report.doc_id)
    if record is None:
        return {}
    stored = sorted(old.documents(rec="block", doc_id=report.doc_id), key=lambda f: f["n"])
    before = [(f["fp"], fold(f["text"])) for f in stored]
    after = [(fingerprint(b.text), fold(b.text)) for b in report.blocks]
    return successors(before, after, record.get("lineage") or {})


def kept_documents(old: Searcher, doc_id: str, schema: Schema) -> list[dict]:
    """The indexed documents of a report that cannot be read now, rebuilt from their stored
    fields for a new generation (its analysers index the stored text anew)."""
    documents = []
    for fields in old.documents(doc_id=doc_id):
        document = {name: value for name, value in fields.items() if name in schema}
        first, last = sort_dates(fields.get("date", ""), fields.get("year", ""))
        document.update(date_first=first, date_last=last)
        if "n" in fields:
            folded, words = analysis.analyse(fields["text"])
            document.update(rec="block", words=analysis.word_list(words))
            document[ANALYSED] = (folded, words)
        else:
            document.update(rec="doc")
        documents.append(document)
    return documents


def write_durably(path: Path, text: str) -> None:
    """Replace a file through a fsynced temporary beside it: readers and a crash see the old
    file or the new one, complete; a failed write (full disk) leaves no temporary behind."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)


def fsync_folder(folder: Path, files_too: bool = False) -> None:
    """Flush a folder's entries (and, with ``files_too``, its files' data) to the disk."""
    if files_too:
        for entry in folder.iterdir():
            if entry.is_file() and not entry.is_symlink():
                descriptor = os.open(entry, os.O_RDONLY)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def generation_settings(settings: str, archive_dir: Path) -> dict:
    """What a generation records about itself: how it analyses text, and the archive folder
    it mirrors (``/raw`` serves files from there)."""
    return {
        "settings": settings,
        "analysis_version": analysis.ANALYSIS_VERSION,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "archive": str(Path(archive_dir).resolve()),
    }


def record_archive(generation: Path, archive_dir: Path) -> None:
    """Note in a live generation's settings the archive folder it now mirrors; nothing is
    written when it is the same folder."""
    path = generation / SETTINGS_NAME
    payload = json.loads(path.read_text(encoding="utf-8"))
    folder = str(Path(archive_dir).resolve())
    if payload.get("archive") != folder:
        write_durably(path, json.dumps(payload | {"archive": folder}, indent=2))


@contextlib.contextmanager
def committing(writer, bar: tqdm) -> Iterator[None]:
    """Commit the writer when the block succeeds, cancel it when it fails (or is interrupted);
    close the bar."""
    try:
        yield
        writer.commit()
    except BaseException:
        abandon(writer)
        raise
    finally:
        bar.close()


def abandon(writer) -> None:
    """Cancel a writer whatever state a failure left it in: when cancelling fails too (a full
    disk stops it closing its files), its temporary files and its write lock are let go, so
    the failed writer's segments can be removed at once."""
    try:
        writer.cancel()
    except Exception:
        with contextlib.suppress(Exception):
            writer._tempstorage.destroy()
        with contextlib.suppress(Exception):
            writer.writelock.release()


def report_documents(report: Report, old: Searcher | None) -> Iterator[dict]:
    """The documents of a report read anew, with the lineage of its indexed version."""
    return block_documents(report, previous_lineage(old, report) if old is not None else {})


@dataclass
class Build:
    """One ingest's writing: a full build into a new generation, or an update of the live one."""

    store: IndexStore
    archive_dir: Path
    catalogue: Catalogue
    settings: str
    userdict: str
    jobs: int
    progress: ProgressFactory
    result: IngestResult
    inputs: ngrams.TableInputs = field(default_factory=ngrams.TableInputs)

    def load(self, files: list[ReportFile]) -> Iterator[Report | ReportError]:
        return _load_all(files, self.catalogue, self.settings, self.userdict, self.jobs)

    def full(self, files: list[ReportFile], kept: list[str], old: Searcher | None) -> None:
        """Write every report into a new generation, with everything it needs (settings,
        archive folder, user dictionary) on the disk before it is published."""
        result, store = self.result, self.store
        result.rebuilt = True
        previous = store.current_name()
        analysis.segmenter()  # load jieba before forking, so every worker inherits it
        generation = None
        try:
            generation = store.new_generation()
            (generation / analysis.USERDICT_NAME).write_text(self.userdict, encoding="utf-8")
            settings = generation_settings(self.settings, self.archive_dir)
            (generation / SETTINGS_NAME).write_text(json.dumps(settings, indent=2), "utf-8")
            ix = whoosh_index.create_in(str(generation), make_schema())
            writer = self._full_writer(ix, len(files))
            bar = self.progress(len(files), "ingest")
            with committing(writer, bar), contextlib.closing(self.load(files)) as loaded:
                for file, item in zip(files, loaded, strict=True):
                    bar.update()
                    if isinstance(item, ReportError):
                        self._skip(file, item, old, writer)
                        continue
                    self._add(writer, item, old)
                    result.added += 1
                self._keep(kept, old, writer)
            write_tables(generation, self.inputs)
            fsync_folder(generation, files_too=True)
            store.publish(generation)
        except BaseException:
            if generation is not None and store.current_name() != generation.name:
                shutil.rmtree(generation, ignore_errors=True)  # give the space back at once
            raise
        store.clean(keep_previous=previous)

    def _full_writer(self, ix: FileIndex, reports: int):
        writer_jobs = min(self.jobs, 4) if reports >= 50 else 1
        if writer_jobs > 1:
            return CheckedMpWriter(ix, procs=writer_jobs, multisegment=True, limitmb=128)
        return ix.writer(limitmb=128)

    def _add(self, writer, report: Report, old: Searcher | None) -> None:
        """Write a report read anew; keep its analysis and reprint rows for the tables."""
        for document in report_documents(report, old):
            add_document(writer, document, self.inputs)
        if report.signed is not None:
            self.inputs.signed[report.doc_id] = report.signed

    def _skip(self, file: ReportFile, error: ReportError, old: Searcher | None, writer) -> None:
        """Name a report that cannot be read; a full build keeps its indexed version."""
        documents = kept_documents(old, file.doc_id, writer.schema) if old is not None else []
        for document in documents:
            add_document(writer, document, self.inputs)
        kept = " (the indexed version is kept)" if documents else ""
        self.result.skipped.append(ReportError(error.path, error.reason + kept))

    def _keep(self, kept: list[str], old: Searcher | None, writer) -> None:
        """Carry the reports of unreadable folders over from the previous generation."""
        if old is None:
            return
        for doc_id in kept:
            for document in kept_documents(old, doc_id, writer.schema):
                add_document(writer, document, self.inputs)
        self.result.kept = len(kept)

    def update(
        self, files, kept: list[str], removed: list[str], old: Searcher | None, indexed: dict
    ) -> None:
        """One Whoosh commit to the live generation: changed reports replaced, deleted ones
        removed; the reports of unreadable folders stay as they are. ``indexed``: the content
        hash of every report the index holds (``indexed_hashes``)."""
        result, store = self.result, self.store
        result.kept = len(kept)
        todo = []
        for file in files:
            digest = hash_file(file, self.catalogue, self.settings)  # None: unreadable
            if digest is not None and indexed.get(file.doc_id) == digest:
                result.unchanged += 1
            else:
                todo.append(file)
        generation = store.generation_dir()
        record_archive(generation, self.archive_dir)
        if not todo and not removed:
            return
        analysis.segmenter()
        ix = store.open()
        writer = ix.writer(limitmb=128)  # LockError if a process outside ingest is writing
        bar = self.progress(len(todo), "ingest")
        try:
            with committing(writer, bar), contextlib.closing(self.load(todo)) as loaded:
                self._replace(writer, zip(todo, loaded, strict=True), removed, indexed, old, bar)
        except BaseException:
            with contextlib.suppress(Exception):
                clean_live_generation(generation)  # the failed commit's segments: disk back
            raise

    def _replace(self, writer, loaded, removed, indexed, old: Searcher | None, bar) -> None:
        result = self.result
        for doc_id in removed:
            writer.delete_by_term("doc_id", doc_id)
        result.removed = len(removed)
        for file, item in loaded:
            bar.update()
            if isinstance(item, ReportError):
                kept = " (the indexed version is kept)" if file.doc_id in indexed else ""
                result.skipped.append(ReportError(item.path, item.reason + kept))
                continue
            writer.delete_by_term("doc_id", item.doc_id)
            self._add(writer, item, old)
            if item.doc_id in indexed:
                result.changed += 1
            else:
                result.added += 1


class CheckedMpWriter(MpWriter):
    """Whoosh's multi-process writer, made safe to fail.

    Whoosh 2.7.4's ``MpWriter`` leaves its sub-writers waiting forever when cancelled (and the
    interpreter then waits for them at exit), and commits without the documents of a sub-writer
    that died: on a full disk it published an empty index and reported success. Here cancel()
    stops them, and such a commit fails with the sub-writer's error.
    """

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        with _sigint_held():  # Ctrl-C is held until the sub-writer ignores it (run)
            task.start()
        return task

    def cancel(self) -> None:
        for task in self.tasks:
            if task.is_alive():
                task.kill()
        for task in self.tasks:
            task.join(10)
        SegmentWriter.cancel(self)

    def _commit(self, mergetype, optimize, merge) -> None:
        self.resultqueue = _CheckedResults(self.resultqueue, self.tasks)
        super()._commit(mergetype, optimize, merge)


class _SubWriter(SubWriterTask):
    """A sub-writer whose write error ends it with the error number as exit code (and no
    traceback on the terminal), and which leaves Ctrl-C to the ingest that started it."""

    def run(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the ingest's: it cancels us
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # held while it started
        try:
            super().run()
        except OSError as exc:
            sys.exit(exc.errno if exc.errno and 0 < exc.errno < 126 else 1)


class _CheckedResults:
    """The sub-writers' result queue, read after they have exited: every one must answer."""

    def __init__(self, results, tasks) -> None:
        self.results = results
        self.tasks = tasks

    def get(self, timeout: float | None = None):
        failed = [task.exitcode for task in self.tasks if task.exitcode != 0]
        if failed:
            code = failed[0]
            if code and 1 < code < 126:
                raise OSError(code, os.strerror(code))
            raise OSError(f"an index writer process failed (exit code {code})")
        try:
            return self.results.get(timeout=max(timeout or 0, 30))
        except queue.Empty:
            raise OSError("an index writer process did not report its segment") from None


def _update_tables(store: IndexStore, inputs: ngrams.TableInputs) -> None:
    """Tables for an update's new segments (or those a killed ingest left without one)."""
    try:
        write_tables(store.generation_dir(), inputs)
    except OSError as exc:
        raise IndexError_(
            f"the index in {store.root} is up to date, but its n-gram tables could not be "
            f"written: {getattr(exc, 'strerror', None) or exc}; searches build them in memory "
            "until the next ingest writes them"
        ) from exc


def _update_reprints(store: IndexStore, inputs: ngrams.TableInputs) -> None:
    """Bring the reprint table up to date with the index just written (``reprints``), from
    the texts the ingest analysed (``inputs``) where it has them."""
    try:
        reprints.update_generation(store.generation_dir(), store.open(), inputs)
    except OSError as exc:
        raise IndexError_(
            f"the index in {store.root} is up to date, but its reprint table could not be "
            f"written: {getattr(exc, 'strerror', None) or exc}; the next ingest tries again"
        ) from exc


def _count(store: IndexStore, result: IngestResult) -> None:
    with store.open().searcher() as searcher:
        result.documents = sum(1 for _ in searcher.docs_for_query(Term("rec", "doc")))
        result.paragraphs = sum(1 for _ in searcher.docs_for_query(Term("rec", "block")))
