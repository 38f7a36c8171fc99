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
import hashlib
import json
import multiprocessing
import os
import queue
import re
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, FileIndex, LockError, clean_files
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from . import analysis, reprints
from .archive import (
    REPORT_SUFFIX,
    Report,
    ReportFile,
    hash_file,
    iter_blocks,
    list_reports,
    load_report,
    open_catalogue,
)
from .catalogue import Catalogue
from .citations import successors
from .folding import fold
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


def make_schema() -> Schema:
    """One Whoosh document per block, plus one record per report (``rec`` tells which)."""
    return Schema(
        rec=ID(),
        doc_id=ID(stored=True, sortable=True),
        n=NUMERIC(int, bits=32, stored=True, sortable=True, signed=True),
        kind=ID(stored=True, sortable=True),
        text=STORED(),
        words=TEXT(analyzer=analysis.word_analyzer(), phrase=False),
        grams=TEXT(analyzer=analysis.gram_analyzer(), phrase=True),
        story=STORED(),
        fp=ID(stored=True),
        title=STORED(),
        city=ID(stored=True, sortable=True),
        county=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        year_inferred=ID(stored=True, sortable=True),  # "1" when the year was deduced
        date=ID(stored=True, sortable=True),
        places=ID(stored=True, sortable=True),  # places the paragraph mentions (place_tokens)
        facts=STORED(),  # the facts of the paragraph's story (metadata.StoryMeta)
        date_first=ID(sortable=True),
        date_last=ID(sortable=True),
        meta=STORED(),
        content_hash=STORED(),
        lineage=STORED(),
        page=STORED(),
    )


def fingerprint(text: str) -> str:
    """A short digest of a block's folded text, carried by permalinks."""
    return hashlib.sha1(fold(text).encode("utf-8")).hexdigest()[:10]


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
    sort_date = date or year_text  # known only by its year: sorts by the year
    return {
        "city": city,
        "county": county,
        "year": year_text,
        "year_inferred": "1" if inferred and year_text else "",
        "date": date,
        "date_first": sort_date,
        "date_last": sort_date or UNKNOWN_DATE_LAST,
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
    blocks = zip(iter_blocks(report), places, pages, strict=True)
    for (n, block), mentioned, page in blocks:
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
            "words": block.text,
            "grams": block.text,
            "story": block.story,
            "facts": facts,
            "places": place_tokens(mentioned),
            "fp": fingerprint(block.text),
            "page": page,
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
        temporary = self.root / (CURRENT_NAME + ".tmp")
        temporary.write_text(generation.name + "\n", encoding="utf-8")
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.current_path)
        self._fsync_dir()

    def _fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

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
    rebuilt: bool = False
    skipped: list[ReportError] = field(default_factory=list)
    catalogue_errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        mode = "full build" if self.rebuilt else "incremental"
        return (
            f"{self.documents} documents, {self.paragraphs} paragraphs in {self.seconds:.1f} s "
            f"({mode}: {self.added} added, {self.changed} changed, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped)"
        )


ProgressFactory = Callable[[int, str], "Progress"]


class Progress:
    """A progress display: a bar on a terminal, periodic plain lines otherwise."""

    def __init__(self, total: int, label: str, stream=None, interactive: bool | None = None):
        self.total = total
        self.label = label
        self.done = 0
        self.stream = stream or sys.stderr
        interactive = self.stream.isatty() if interactive is None else interactive
        self.bar = None
        self.started = self.last = time.monotonic()
        if interactive and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="report", file=self.stream)

    def update(self, count: int = 1) -> None:
        self.done += count
        if self.bar is not None:
            self.bar.update(count)
            return
        now = time.monotonic()
        if now - self.last >= 5 or self.done == self.total:
            self.last = now
            rate = self.done / max(now - self.started, 1e-9)
            eta = (self.total - self.done) / rate if rate else 0
            print(
                f"{self.label}: {self.done}/{self.total} reports, {rate:.1f}/s, "
                f"about {eta:.0f} s left",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def quiet_progress(total: int, label: str) -> Progress:
    """A progress display that prints nothing (for tests and library use)."""
    progress = Progress(total, label, stream=open(os.devnull, "w"), interactive=False)  # noqa: SIM115
    return progress


_WORKER: dict[str, object] = {}


def _init_worker(catalogue: Catalogue, settings: str, userdict: str, home: str = "") -> None:
    _WORKER.update(catalogue=catalogue, settings=settings, home=home)
    analysis.use_user_dictionary(userdict)


def _load_in_worker(file: ReportFile) -> Report | ReportError:
    name = file.name or file.doc_id + REPORT_SUFFIX
    try:
        return load_report(
            file,
            _WORKER["catalogue"],  # type: ignore[arg-type]
            _WORKER["settings"],  # type: ignore[arg-type]
            home=_WORKER.get("home", ""),  # type: ignore[arg-type]
        )
    except ReportError as exc:
        return ReportError(name, exc.reason)
    except Exception as exc:  # one bad report must not stop an ingest
        return ReportError(name, f"cannot be ingested: {type(exc).__name__}: {exc}")


def _load_all(
    files: list[ReportFile],
    catalogue: Catalogue,
    settings: str,
    userdict: str,
    jobs: int,
    home: str = "",
) -> Iterator[Report | ReportError]:
    """Load reports in reading order, in ``jobs`` processes, streaming (bounded memory)."""
    if jobs <= 1 or len(files) < 4:
        _init_worker(catalogue, settings, userdict, home)
        yield from map(_load_in_worker, files)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, _init_worker, (catalogue, settings, userdict, home)) as pool:
        yield from pool.imap(_load_in_worker, files, chunksize=4)


def ingest(
    archive_dir: Path,
    index_root: Path,
    *,
    rebuild: bool = False,
    jobs: int | None = None,
    progress: ProgressFactory | None = None,
) -> IngestResult:
    """Bring the index in line with the archive: incrementally, or as a full build."""
    started = time.monotonic()
    archive_dir = Path(archive_dir)
    if not archive_dir.is_dir():
        raise IndexError_(f"archive folder not found: {archive_dir}")
    jobs = max(1, jobs or os.cpu_count() or 1)
    progress = progress or Progress
    store = IndexStore(index_root)
    with store.lock():
        try:
            store.recover()
        except OSError as exc:
            raise write_error(store.root, exc) from exc
        userdict = analysis.load_user_dictionary(archive_dir / analysis.USERDICT_NAME)
        analysis.use_user_dictionary(userdict)
        files, refused = list_reports(archive_dir)
        catalogue = open_catalogue(archive_dir, {f.doc_id for f in files})
        archive_settings = load_settings(archive_dir, default_gazetteer())
        settings = analysis.settings_fingerprint(userdict) + "|" + archive_settings.fingerprint()
        catalogue.home = archive_settings.home
        errors = [*catalogue.errors, *archive_settings.errors]
        result = IngestResult(skipped=list(refused), catalogue_errors=errors)
        full = rebuild or not store.exists() or store.settings().get("settings") != settings
        if full:
            _full_build(store, files, catalogue, settings, userdict, jobs, progress, result)
        else:
            _update(store, files, catalogue, settings, userdict, jobs, progress, result)
        record_archive(store.generation_dir(), archive_dir)
        _update_reprints(store)
        _count(store, result)
    result.seconds = time.monotonic() - started
    return result


def _write_settings(generation: Path, settings: str, userdict: str) -> None:
    (generation / analysis.USERDICT_NAME).write_text(userdict, encoding="utf-8")
    payload = {
        "settings": settings,
        "analysis_version": analysis.ANALYSIS_VERSION,
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    (generation / SETTINGS_NAME).write_text(json.dumps(payload, indent=2), encoding="utf-8")


def record_archive(generation: Path, archive_dir: Path) -> None:
    """Note in the generation's settings which archive folder it mirrors (for /raw)."""
    path = generation / SETTINGS_NAME
    payload = json.loads(path.read_text(encoding="utf-8"))
    payload["archive"] = str(Path(archive_dir).resolve())
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    os.replace(temporary, path)


def _add_reports(writer, loaded: Iterable[Report | ReportError], result, bar) -> None:
    for item in loaded:
        bar.update()
        if isinstance(item, ReportError):
            result.skipped.append(item)
            continue
        for document in block_documents(item):
            writer.add_document(**document)
        result.added += 1


@contextlib.contextmanager
def committing(writer, bar: Progress) -> Iterator[None]:
    """Commit the writer when the block succeeds, cancel it when it fails; close the bar."""
    try:
        yield
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    finally:
        bar.close()


def _full_build(store, files, catalogue, settings, userdict, jobs, progress, result) -> None:
    result.rebuilt = True
    previous = store.current_name()
    analysis.segmenter()  # load jieba before forking, so every worker inherits it
    generation = None
    try:
        generation = store.new_generation()
        _write_settings(generation, settings, userdict)
        ix = whoosh_index.create_in(str(generation), make_schema())
        writer_jobs = min(jobs, 4) if len(files) >= 50 else 1
        if writer_jobs > 1:
            writer = CheckedMpWriter(ix, procs=writer_jobs, multisegment=True, limitmb=128)
        else:
            writer = ix.writer(limitmb=128)
        bar = progress(len(files), "ingest")
        with committing(writer, bar):
            _add_reports(
                writer,
                _load_all(files, catalogue, settings, userdict, jobs, catalogue.home),
                result,
                bar,
            )
        store.publish(generation)
    except BaseException as exc:
        if generation is not None and store.current_name() != generation.name:
            shutil.rmtree(generation, ignore_errors=True)  # give the space back at once
        if isinstance(exc, (OSError, LockError)):
            raise write_error(store.root, exc) from exc
        raise
    store.clean(keep_previous=previous)


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
    traceback on the terminal)."""

    def run(self) -> None:
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


def indexed_hashes(ix: FileIndex) -> dict[str, str]:
    """doc_id -> content hash of every report in the index."""
    with ix.searcher() as searcher:
        return {
            fields["doc_id"]: fields.get("content_hash", "")
            for fields in searcher.documents(rec="doc")
        }


def _update(store, files, catalogue, settings, userdict, jobs, progress, result) -> None:
    ix = store.open()
    indexed = indexed_hashes(ix)
    present = {f.doc_id for f in files}
    todo: list[ReportFile] = []
    for file in files:
        digest = hash_file(file, catalogue, settings)  # None: unreadable, so never "unchanged"
        if digest is not None and indexed.get(file.doc_id) == digest:
            result.unchanged += 1
        else:
            todo.append(file)
    removed = [doc_id for doc_id in indexed if doc_id not in present]
    if not todo and not removed:
        return
    analysis.segmenter()
    try:
        writer = ix.writer(limitmb=128)  # LockError if a process outside ingest is writing
        bar = progress(len(todo), "ingest")
        with committing(writer, bar):
            for doc_id in removed:
                writer.delete_by_term("doc_id", doc_id)
            result.removed = len(removed)
            loaded = _load_all(todo, catalogue, settings, userdict, jobs, catalogue.home)
            for file, item in zip(todo, loaded, strict=True):
                bar.update()
                if isinstance(item, ReportError):
                    kept = " (the indexed version is kept)" if file.doc_id in indexed else ""
                    result.skipped.append(ReportError(item.path, item.reason + kept))
                    continue
                existed = item.doc_id in indexed
                lineage = previous_lineage(ix, item) if existed else {}
                writer.delete_by_term("doc_id", item.doc_id)
                for document in block_documents(item, lineage):
                    writer.add_document(**document)
                if existed:
                    result.changed += 1
                else:
                    result.added += 1
    except (OSError, LockError) as exc:
        raise write_error(store.root, exc) from exc


def previous_lineage(ix: FileIndex, report: Report) -> dict[str, str]:
    """Where the indexed version's text went in the new version of a report (see
    ``citations.successors``), including the earlier versions' lineage."""
    with ix.searcher() as searcher:
        record = searcher.document(rec="doc", doc_id=report.doc_id) or {}
        stored = sorted(searcher.documents(rec="block", doc_id=report.doc_id), key=lambda f: f["n"])
    old = [(f["fp"], fold(f["text"])) for f in stored]
    new = [(fingerprint(b.text), fold(b.text)) for b in report.blocks]
    return successors(old, new, record.get("lineage") or {})


def _update_reprints(store: IndexStore) -> None:
    """Bring the reprint table up to date with the index just written (``reprints``)."""
    try:
        reprints.update_generation(store.generation_dir(), store.open())
    except OSError as exc:
        raise IndexError_(
            f"the index in {store.root} is up to date, but its reprint table could not be "
            f"written: {getattr(exc, 'strerror', None) or exc}; the next ingest tries again"
        ) from exc


def _count(store: IndexStore, result: IngestResult) -> None:
    with store.open().searcher() as searcher:
        result.documents = sum(1 for _ in searcher.docs_for_query(Term("rec", "doc")))
        result.paragraphs = sum(1 for _ in searcher.docs_for_query(Term("rec", "block")))
