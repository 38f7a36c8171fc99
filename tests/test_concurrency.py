"""Shared state under the server's threads: set up once, never raced.

Many threads at once (more than waitress's 8), switching as often as the interpreter allows, on
real indexes: the facet column cache evicting versions, and requests on indexes built with
different user dictionaries, each segmenting its query with its own index's dictionary.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from archivist.caching import RecentCache
from archivist.indexing import IndexStore, ingest
from archivist.search import facet_columns
from archivist.web import create_app

THREADS = 16
ROUNDS = 40
REPORT = "顽瘴痼疾整治推进会\n\n今年以来，全县扎实推进顽瘴痼疾整治和雪亮工程建设，成效明显。\n"


@pytest.fixture
def busy_switching():
    """Make the interpreter switch threads as often as it can, so races show."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_threads(work, count: int = THREADS) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads at once; the exceptions they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def target(i: int) -> None:
        start.wait(30)
        try:
            work(i)
        except BaseException as exc:  # collected and reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def build(root: Path, files: dict[str, str]) -> Path:
    archive = root / "archive"
    archive.mkdir(parents=True)
    for name, text in files.items():
        (archive / name).write_text(text, encoding="utf-8")
    ingest(archive, root / "index", rebuild=True, jobs=1)
    return root / "index"


def test_the_column_cache_evicts_safely_under_many_threads(tmp_path, busy_switching):
    """Three index versions and a cache of two: every call evicts, from 16 threads at once."""
    indexes = [
        build(tmp_path / str(i), {f"r{i}.txt": f"第{i}份报告\n\n正文{'甲乙' * (i + 1)}。\n"})
        for i in range(3)
    ]
    opened = [IndexStore(index).open() for index in indexes]
    expected = []
    for index in opened:
        with index.searcher() as searcher:
            expected.append(list(facet_columns(searcher).doc_id))

    def work(i: int) -> None:
        for round_ in range(ROUNDS):
            k = (i + round_) % 3
            with opened[k].searcher() as searcher:  # each request has its own searcher
                assert list(facet_columns(searcher).doc_id) == expected[k]

    errors = run_threads(work)
    assert not errors, errors[:3]


def test_each_request_segments_with_its_own_index_dictionary(tmp_path, busy_switching):
    """Two indexes, one built with a user dictionary: requests on both at once score exactly
    as they do one at a time (a query cut with the other index's dictionary scores
    differently)."""
    with_words = build(tmp_path / "a", {"r.txt": REPORT, "userdict.txt": "顽瘴痼疾\n雪亮工程\n"})
    without = build(tmp_path / "b", {"r.txt": REPORT})
    clients = [
        create_app({"TESTING": True, "INDEX_DIR": str(index)}).test_client()
        for index in (with_words, without)
    ]
    url = "/api/search?q=顽瘴痼疾整治+雪亮工程"

    def scores(k: int) -> list[float]:
        response = clients[k].get(url)
        assert response.status_code == 200, response.status_code
        return [hit["score"] for hit in response.get_json()["hits"]]

    alone = [scores(0), scores(1)]
    assert alone[0] != alone[1]  # the control: the dictionaries do change the scores

    def work(i: int) -> None:
        for round_ in range(ROUNDS // 4):
            k = (i + round_) % 2
            assert scores(k) == alone[k], (k, round_)

    errors = run_threads(work)
    assert not errors, errors[:3]


def test_a_shared_value_is_built_once_while_the_other_threads_wait():
    """The caches the server's threads share (facet columns, jieba segmenters) build each
    value once: threads asking while it is built wait for it instead of building their own."""
    cache: RecentCache[object] = RecentCache(2)
    built: list[int] = []

    def build() -> object:
        built.append(1)
        time.sleep(0.3)  # every other thread asks meanwhile
        return object()

    values: list[object] = []
    errors = run_threads(lambda i: values.append(cache.get("version", build)), 8)
    assert not errors and len(values) == 8
    assert len(built) == 1 and len({id(value) for value in values}) == 1


def test_concordances_sorted_by_many_threads_at_once_agree(app, busy_switching):
    """The concordance's per-process state (pinyin ranks, collocate windows, what each query
    found) is learnt while threads sort and count at once: each answer is the serial one."""
    from archivist import kwic

    client = app.test_client()
    queries = [
        f"/api/kwic?q={q}&sort={sort}&order={order}&per_page=50"
        for q in ("公安", "派出所", "民警")
        for sort, order in (("left", "pinyin"), ("right", "pinyin"), ("right", "char"))
    ]
    expected = {url: client.get(url).get_json() for url in queries}
    kwic._PINYIN = kwic.PinyinRanks()  # nothing learnt yet: threads learn it together
    kwic._LEFT_WORDS = kwic.WindowWords(kwic._last_word)
    kwic._RIGHT_WORDS = kwic.WindowWords(kwic._first_word)
    kwic.forget_found()

    def work(i: int) -> None:
        url = queries[i % len(queries)]
        answer = app.test_client().get(url).get_json()
        for key in ("total", "lines", "collocates"):
            assert answer[key] == expected[url][key], (url, key)

    assert run_threads(work) == []
