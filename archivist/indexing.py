"""The paragraph index: schema, generations swapped in atomically, incremental updates.

Layout of the index folder::

    index/CURRENT          name of the live generation (replaced atomically)
    index/ingest.lock      held by the one ingest that may run at a time
    index/gen-*/           a Whoosh index, its settings.json and the userdict.txt it was built with

A full build writes a new generation beside the live one and swaps ``CURRENT`` when it is
complete; an incremental update is one Whoosh commit to the live generation. Readers never see
a half-written index.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema
from whoosh.index import FileIndex
from whoosh.query import Term

from . import analysis
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
from .folding import fold
from .reading import ReportError

CURRENT_NAME = "CURRENT"
LOCK_NAME = "ingest.lock"
SETTINGS_NAME = "settings.json"
GEN_PREFIX = "gen-"

KIND_BOOST = {
    "title": 4.0,
    "subtitle": 2.5,
    "heading": 2.5,
    "kicker": 1.5,
    "byline": 1.0,
    "body": 1.0,
    "dateline": 0.5,
    "caption": 0.6,
    "credit": 0.3,
    "boilerplate": 0.2,
}
UNKNOWN_DATE_LAST = "~"  # sorts after every date, so unknown dates come last in oldest-first order


class IndexError_(Exception):
    """The index cannot be written or read; the message says why and where."""


class IngestBusy(IndexError_):
    """Another ingest holds the lock."""


def make_schema() -> Schema:
    """One Whoosh document per block, plus one record per report (``rec`` tells which)."""
    return Schema(
        rec=ID(),
        doc_id=ID(stored=True, sortable=True),
        n=NUMERIC(int, bits=32, stored=True, sortable=True, signed=True),
        kind=ID(stored=True),
        text=STORED(),
        words=TEXT(analyzer=analysis.word_analyzer(), phrase=False),
        grams=TEXT(analyzer=analysis.gram_analyzer(), phrase=True),
        story=STORED(),
        fp=ID(stored=True),
        title=STORED(),
        city=ID(stored=True, sortable=True),
        county=ID(stored=True, sortable=True),
        year=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        date_last=ID(sortable=True),
        meta=STORED(),
        content_hash=STORED(),
    )


def fingerprint(text: str) -> str:
    """A short digest of a block's folded text, carried by permalinks."""
    return hashlib.sha1(fold(text).encode("utf-8")).hexdigest()[:10]


def block_documents(report: Report) -> Iterator[dict]:
    """The Whoosh documents of a report: its record, then its blocks."""
    meta = report.meta
    year = str(meta.year) if meta.year else ""
    common = {
        "doc_id": report.doc_id,
        "title": meta.title,
        "city": meta.city,
        "county": meta.county,
        "year": year,
        "date": meta.date,
        "date_last": meta.date or UNKNOWN_DATE_LAST,
    }
    record = {
        "meta": meta.to_dict() | {"blocks": len(report.blocks), "size": report.size},
        "content_hash": report.content_hash,
    }
    yield {"rec": "doc", **common, **record}
    for n, block in iter_blocks(report):
        yield {
            "rec": "block",
            **common,
            "n": n,
            "kind": block.kind,
            "text": block.text,
            "words": block.text,
            "grams": block.text,
            "story": block.story,
            "fp": fingerprint(block.text),
            "_boost": KIND_BOOST.get(block.kind, 1.0),
        }


class IndexStore:
    """The index folder: its live generation, its lock, and opening it."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._opened: dict[str, FileIndex] = {}

    @property
    def current_path(self) -> Path:
        return self.root / CURRENT_NAME

    def current_name(self) -> str | None:
        """The live generation's folder name, or None when there is no index yet."""
        try:
            name = self.current_path.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
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

    def open(self) -> FileIndex:
        """The live Whoosh index, opened once per generation."""
        name = self.generation_dir().name
        if name not in self._opened:
            self._opened[name] = whoosh_index.open_dir(str(self.root / name))
        return self._opened[name]

    def settings(self) -> dict:
        """The live generation's settings (analysis fingerprint, user dictionary, build time)."""
        path = self.generation_dir() / SETTINGS_NAME
        return json.loads(path.read_text(encoding="utf-8"))

    def user_dictionary(self) -> str:
        """The user dictionary the live generation was built with."""
        return analysis.load_user_dictionary(self.generation_dir() / analysis.USERDICT_NAME)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the ingest lock; raises IngestBusy at once when another ingest holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK_NAME, "a+")  # noqa: SIM115 - held for the block
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IngestBusy(
                    f"another ingest is running on {self.root} (lock {LOCK_NAME}); try again later"
                ) from exc
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
        still hold it), such as those left by an interrupted build."""
        live = self.current_name()
        for path in self.root.glob(GEN_PREFIX + "*"):
            if path.name not in (live, keep_previous):
                shutil.rmtree(path, ignore_errors=True)


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


def _init_worker(catalogue: Catalogue, settings: str, userdict: str) -> None:
    _WORKER.update(catalogue=catalogue, settings=settings)
    analysis.use_user_dictionary(userdict)


def _load_in_worker(file: ReportFile) -> Report | ReportError:
    name = file.doc_id + REPORT_SUFFIX
    try:
        return load_report(file, _WORKER["catalogue"], _WORKER["settings"])  # type: ignore[arg-type]
    except ReportError as exc:
        return ReportError(name, exc.reason)
    except Exception as exc:  # one bad report must not stop an ingest
        return ReportError(name, f"cannot be ingested: {type(exc).__name__}: {exc}")


def _load_all(
    files: list[ReportFile], catalogue: Catalogue, settings: str, userdict: str, jobs: int
) -> Iterator[Report | ReportError]:
    """Load reports in reading order, in ``jobs`` processes, streaming (bounded memory)."""
    if jobs <= 1 or len(files) < 4:
        _init_worker(catalogue, settings, userdict)
        yield from map(_load_in_worker, files)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs, _init_worker, (catalogue, settings, userdict)) as pool:
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
        userdict = analysis.load_user_dictionary(archive_dir / analysis.USERDICT_NAME)
        analysis.use_user_dictionary(userdict)
        settings = analysis.settings_fingerprint(userdict)
        files, refused = list_reports(archive_dir)
        catalogue = open_catalogue(archive_dir, {f.doc_id for f in files})
        result = IngestResult(skipped=list(refused), catalogue_errors=list(catalogue.errors))
        full = rebuild or not store.exists() or store.settings().get("settings") != settings
        if full:
            _full_build(store, files, catalogue, settings, userdict, jobs, progress, result)
        else:
            _update(store, files, catalogue, settings, userdict, jobs, progress, result)
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


def _add_reports(writer, loaded: Iterable[Report | ReportError], result, bar) -> None:
    for item in loaded:
        bar.update()
        if isinstance(item, ReportError):
            result.skipped.append(item)
            continue
        for document in block_documents(item):
            writer.add_document(**document)
        result.added += 1


def _full_build(store, files, catalogue, settings, userdict, jobs, progress, result) -> None:
    result.rebuilt = True
    previous = store.current_name()
    analysis.segmenter()  # load jieba before forking, so every worker inherits it
    try:
        generation = store.new_generation()
        _write_settings(generation, settings, userdict)
        ix = whoosh_index.create_in(str(generation), make_schema())
        writer_jobs = min(jobs, 4) if len(files) >= 50 else 1
        if writer_jobs > 1:
            writer = ix.writer(procs=writer_jobs, multisegment=True, limitmb=128)
        else:
            writer = ix.writer(limitmb=128)
        bar = progress(len(files), "ingest")
        try:
            _add_reports(writer, _load_all(files, catalogue, settings, userdict, jobs), result, bar)
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            bar.close()
        store.publish(generation)
    except OSError as exc:
        raise IndexError_(f"cannot write the index in {store.root}: {exc.strerror or exc}") from exc
    store.clean(keep_previous=previous)


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
        if indexed.get(file.doc_id) == hash_file(file, catalogue, settings):
            result.unchanged += 1
        else:
            todo.append(file)
    removed = [doc_id for doc_id in indexed if doc_id not in present]
    if not todo and not removed:
        return
    analysis.segmenter()
    try:
        writer = ix.writer(limitmb=128)
        bar = progress(len(todo), "ingest")
        try:
            for doc_id in removed:
                writer.delete_by_term("doc_id", doc_id)
            result.removed = len(removed)
            loaded = _load_all(todo, catalogue, settings, userdict, jobs)
            for file, item in zip(todo, loaded):
                bar.update()
                if isinstance(item, ReportError):
                    kept = " (the indexed version is kept)" if file.doc_id in indexed else ""
                    result.skipped.append(ReportError(item.path, item.reason + kept))
                    continue
                existed = item.doc_id in indexed
                writer.delete_by_term("doc_id", item.doc_id)
                for document in block_documents(item):
                    writer.add_document(**document)
                if existed:
                    result.changed += 1
                else:
                    result.added += 1
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            bar.close()
    except OSError as exc:
        raise IndexError_(f"cannot write the index in {store.root}: {exc.strerror or exc}") from exc


def _count(store: IndexStore, result: IngestResult) -> None:
    with store.open().searcher() as searcher:
        result.documents = sum(1 for _ in searcher.docs_for_query(Term("rec", "doc")))
        result.paragraphs = sum(1 for _ in searcher.docs_for_query(Term("rec", "block")))
