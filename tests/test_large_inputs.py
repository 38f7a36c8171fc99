"""Large inputs are paged: ``/api/documents`` page by page, a long document in parts of
500 blocks (as README promises), with matches counted over the whole document and links that
land on the right part.
(Speed is measured by ``bench/large.py``, not here.)"""

from __future__ import annotations

import re

import pytest

from archivist import textstore
from archivist.indexing import ingest
from archivist.records import MANIFEST
from archivist.web import create_app

DOC_PAGE_BLOCKS = 500  # the size of a part README promises (not read from the code under test)
LONG = DOC_PAGE_BLOCKS + 60  # paragraphs of the long report, title included


@pytest.fixture(scope="module")
def long_client(tmp_path_factory):
    """An archive of one long report (every seventh paragraph mentions 罚款) and three short."""
    root = tmp_path_factory.mktemp("long")
    archive = root / "archive"
    archive.mkdir()
    paragraphs = [f"第{n}条 本段说明条例的第{n}项内容。" for n in range(2, LONG + 1)]
    paragraphs = [p + ("违者处以罚款。" if n % 7 == 0 else "") for n, p in enumerate(paragraphs, 2)]
    (archive / "law.txt").write_text("某某条例\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8")
    for name in ("a", "b", "c"):
        (archive / f"{name}.txt").write_text(f"报告{name}\n\n正文{name}。\n", "utf-8")
    ingest(archive, root / "index", rebuild=True, jobs=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    return app.test_client()


def anchors(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<[a-z0-9]+ id="p(\d+)"', html)]


def test_api_documents_is_paged_with_a_total(long_client):
    first = long_client.get("/api/documents?per_page=2").get_json()
    assert first["total"] == 4 and first["pagination"]["pages"] == 2
    second = long_client.get("/api/documents?per_page=2&page=2").get_json()
    listed = [d["doc_id"] for d in first["documents"] + second["documents"]]
    assert sorted(listed) == ["a", "b", "c", "law"]
    assert long_client.get("/api/documents?page=3&per_page=2").get_json()["documents"] == []
    default = long_client.get("/api/documents").get_json()
    assert default["query"]["per_page"] == 20 and len(default["documents"]) == 4  # README
    assert long_client.get("/api/documents?per_page=100").status_code == 200


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=%C2%B2"])
def test_api_documents_refuses_bad_paging(long_client, query):
    response = long_client.get(f"/api/documents?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == query.split("=")[0]


def test_a_long_document_is_shown_a_page_of_blocks_at_a_time(long_client):
    html = long_client.get("/doc/law").get_data(as_text=True)
    assert anchors(html) == list(range(1, DOC_PAGE_BLOCKS + 1))
    assert '<a class="button" href="/doc/law?part=2" rel="next">' in html
    assert f"共 {LONG} 段" in html
    second = long_client.get("/doc/law?part=2").get_data(as_text=True)
    assert anchors(second) == list(range(DOC_PAGE_BLOCKS + 1, LONG + 1))
    api = long_client.get("/api/documents/law?part=2").get_json()
    assert [b["n"] for b in api["blocks"]] == list(range(DOC_PAGE_BLOCKS + 1, LONG + 1))
    assert api["pages"]["pages"] == 2


def test_a_part_or_hit_past_the_end_of_a_long_document_is_named(long_client):
    last = -(-LONG // DOC_PAGE_BLOCKS)
    html = long_client.get(f"/doc/law?part={last + 1}").get_data(as_text=True)
    note = f"本报道没有第 {last + 1} 部分</strong>：全文共 {last} 部分，这里显示第 {last} 部分"
    assert note in html
    assert anchors(html)[-1] == LONG
    html = long_client.get(f"/doc/law?q=罚款&hit={LONG + 1}").get_data(as_text=True)
    assert f"本报道没有第 {LONG + 1} 段</strong>：全文共 {LONG} 段" in html
    api = long_client.get(f"/api/documents/law?part={last + 1}").get_json()
    assert api["part_missing"] == last + 1 and api["pages"]["page"] == last
    assert long_client.get("/api/documents/law?part=1").get_json()["part_missing"] is None


def test_a_hit_opens_the_page_holding_it_and_matches_count_over_the_document(long_client):
    late = LONG - 1 if (LONG - 1) % 7 == 0 else LONG - (LONG % 7)
    html = long_client.get(f"/doc/law?q=罚款&hit={late}").get_data(as_text=True)
    assert late in anchors(html) and anchors(html)[0] == DOC_PAGE_BLOCKS + 1
    expected = [n for n in range(2, LONG + 1) if n % 7 == 0]
    first_part = long_client.get("/doc/law?q=罚款").get_data(as_text=True)
    for part, shown in ((2, html), (1, first_part)):
        here = [n for n in expected if (n > DOC_PAGE_BLOCKS) == (part == 2)]
        assert shown.count("<mark>") == len(here)  # every match of the part marked
        # the paragraphs matching in the whole report, the matches marked in this part
        counts = f"在全文 <strong>{len(expected)}</strong> 段中，本部分 <strong>{len(here)}"
        assert counts + "</strong> 处" in shown
    first = long_client.get("/doc/law?q=罚款&hit=7").get_data(as_text=True)
    step = max(n for n in expected if n <= DOC_PAGE_BLOCKS)
    nav = long_client.get(f"/doc/law?q=罚款&hit={step}").get_data(as_text=True)
    following = min(n for n in expected if n > DOC_PAGE_BLOCKS)
    assert f"hit={following}#p{following}" in nav  # the next match is on the next page
    assert 7 in anchors(first)


def test_a_permalink_deep_in_a_long_document_links_to_its_page(long_client):
    n = LONG - 3
    data = long_client.get(f"/api/paragraphs/law/{n}").get_json()
    assert data["n"] == n and [c["n"] for c in data["context"]] == [n - 1, n, n + 1]
    assert data["document_url"] == f"/doc/law?part=2#p{n}"
    assert n in anchors(long_client.get(data["document_url"]).get_data(as_text=True))
    moved = long_client.get(f"/p/law/{n}?v={data['paragraph']['fp']}")
    assert moved.status_code == 200
    stale = long_client.get(f"/api/paragraphs/law/{n}?v=0000000000").get_json()
    assert stale["status"] == "changed"


def test_a_part_without_matches_counts_and_links_those_of_the_whole_report(long_client):
    far = LONG - 5  # "第{far}条" is in one paragraph only, in the second part
    html = long_client.get(f"/doc/law?q=第{far}条").get_data(as_text=True)
    assert anchors(html)[0] == 1 and "<mark>" not in html  # the first part, nothing to mark
    assert "在全文 <strong>1</strong> 段中，本部分 <strong>0</strong> 处" in html
    assert re.search(rf'id="hit-next"[^>]* href="[^"]*hit={far}#p{far}"', html)
    assert "相符的文字" not in html  # not "no match in this report"


def test_parts_follow_an_update_that_shortens_a_long_report(tmp_path):
    """Blocks of the report's earlier version (deleted in their segment) never show."""
    archive = tmp_path / "archive"
    archive.mkdir()
    first = [f"第{n}条 旧文第{n}项。" for n in range(2, LONG + 1)]
    (archive / "law.txt").write_text("旧条例\n\n" + "\n\n".join(first) + "\n", "utf-8")
    (archive / "a.txt").write_text("报告\n\n正文。\n", "utf-8")
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    shorter = LONG - 30
    second = [f"第{n}条 新文第{n}项。" for n in range(2, shorter + 1)]
    (archive / "law.txt").write_text("新条例\n\n" + "\n\n".join(second) + "\n", "utf-8")
    ingest(archive, tmp_path / "index", jobs=1)  # an update: the old blocks are deleted
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    api = client.get("/api/documents/law?part=2").get_json()
    assert [b["n"] for b in api["blocks"]] == list(range(DOC_PAGE_BLOCKS + 1, shorter + 1))
    assert all("新文" in b["text"] for b in api["blocks"])
    assert api["pages"]["blocks"] == shorter
    html = client.get(f"/doc/law?q=旧文&hit={shorter}").get_data(as_text=True)
    assert "本篇没有与" in html and anchors(html)[-1] == shorter
    assert (
        client.get(f"/api/paragraphs/law/{shorter}")
        .get_json()["paragraph"]["text"]
        .startswith(f"第{shorter}条 新文")
    )
    assert client.get(f"/api/paragraphs/law/{shorter + 1}").status_code == 404


def test_a_moved_permalink_is_found_with_or_without_the_kept_texts(tmp_path):
    """A stale permalink into a long report is resolved from the folded texts kept beside the
    index, and from the index alone when they are gone: the same answer."""
    archive = tmp_path / "archive"
    archive.mkdir()
    paragraphs = [f"第{n}条 本段说明条例的第{n}项内容。" for n in range(2, LONG + 1)]
    (archive / "law.txt").write_text("某某条例\n\n" + "\n\n".join(paragraphs) + "\n", "utf-8")
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    n = LONG - 3
    fp = client.get(f"/api/paragraphs/law/{n}").get_json()["paragraph"]["fp"]
    edited = ["编者按：本条例已修订。", *paragraphs]
    edited[LONG - 10] = "第五百条 本段已被改写。"  # another paragraph changed, not the cited one
    (archive / "law.txt").write_text("某某条例\n\n" + "\n\n".join(edited) + "\n", "utf-8")
    ingest(archive, tmp_path / "index", jobs=1)
    generation = tmp_path / "index" / (tmp_path / "index" / "CURRENT").read_text().strip()
    kept = generation / textstore.FOLDER / MANIFEST
    assert kept.exists()
    for _ in range(2):
        client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
        moved = client.get(f"/p/law/{n}?v={fp}")
        assert moved.status_code == 302 and moved.location.endswith(f"/p/law/{n + 1}?v={fp}")
        stale = client.get(f"/api/paragraphs/law/{n}?v=0000000000").get_json()
        assert stale["status"] == "changed" and stale["n"] == n
        kept.unlink(missing_ok=True)  # the second round reads every fingerprint from the index
