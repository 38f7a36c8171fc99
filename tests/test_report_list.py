"""The report list (``/api/documents``) against an oracle written from the catalogue rows the
test itself made: which reports pass, in which order, page by page, and each facet's counts
(ignoring its own selection), also after an update changes the index version."""

from __future__ import annotations

from itertools import product

import pytest

from archivist.indexing import ingest
from archivist.web import create_app

SOURCES = ["甲报", "乙报", "丙报"]
PLACES = [("长沙市", "岳麓区"), ("株洲市", "天元区"), ("湘潭市", "岳塘区")]
REPORTS = 30


def rows(count: int) -> list[dict]:
    """Made-up catalogue rows: every seventh report undated, the others spread over years."""
    made = []
    for i in range(count):
        city, county = PLACES[i % 3]
        date = "" if i % 7 == 3 else f"{2015 + i % 4}-{1 + i % 12:02d}-{1 + (i * 5) % 28:02d}"
        made.append(
            {"doc_id": f"r{i:02d}", "source": SOURCES[(i // 2) % 3], "city": city}
            | {"county": county, "date": date, "year": date[:4]}
        )
    return made


def write(archive, made: list[dict]) -> None:
    lines = ["file,title,source,date,page,city,county,authors,url"]
    for row in made:
        (archive / f"{row['doc_id']}.txt").write_text(f"标题{row['doc_id']}\n\n正文。\n", "utf-8")
        lines.append(
            f"{row['doc_id']}.txt,标题{row['doc_id']},{row['source']},{row['date']},1,"
            f"{row['city']},{row['county']},,"
        )
    (archive / "catalog.csv").write_text("\n".join(lines) + "\n", "utf-8")


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    root = tmp_path_factory.mktemp("list")
    archive = root / "archive"
    archive.mkdir()
    made = rows(REPORTS)
    write(archive, made)
    ingest(archive, root / "index", rebuild=True, jobs=1)
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    return app.test_client(), made


def passes(row: dict, selected: dict, skip: str = "") -> bool:
    for facet, values in selected.items():
        if facet in ("date_from", "date_to") or facet == skip or not values:
            continue
        if row[facet] not in values:
            return False
    low, high = selected.get("date_from", ""), selected.get("date_to", "")
    if low or high:
        return (
            bool(row["date"])
            and (not low or row["date"] >= low)
            and (not high or row["date"] <= high)
        )
    return True


def in_order(found: list[dict], sort: str) -> list[str]:
    dated = sorted((r for r in found if r["date"]), key=lambda r: r["doc_id"])
    undated = sorted(r["doc_id"] for r in found if not r["date"])
    dated.sort(key=lambda r: r["date"], reverse=sort == "date_desc")  # stable: doc_id ties
    return [r["doc_id"] for r in dated] + undated


def url_of(selected: dict, sort: str, page: int, per_page: int) -> str:
    params = [(k, v) for k, vs in selected.items() for v in ([vs] if isinstance(vs, str) else vs)]
    params += [("sort", sort), ("page", str(page)), ("per_page", str(per_page))]
    return "/api/documents?" + "&".join(f"{k}={v}" for k, v in params if v)


SELECTIONS = [
    {},
    {"city": ["株洲市"]},
    {"city": ["株洲市", "长沙市"], "year": ["2016", "2018"]},
    {"source": ["乙报"], "county": ["岳塘区", "岳麓区"]},
    {"date_from": "2016-03-01", "date_to": "2017-09-30"},
    {"year": ["2017"], "source": ["甲报", "丙报"], "date_from": "2017-05-01"},
]


@pytest.mark.parametrize(("selected", "sort"), list(product(SELECTIONS, ["date_desc", "date_asc"])))
def test_the_list_pages_and_counts_what_the_catalogue_says(listed, selected, sort):
    client, made = listed
    found = [r for r in made if passes(r, selected)]
    expected = in_order(found, sort)
    listed_ids = []
    for page in (1, 2, 3):
        data = client.get(url_of(selected, sort, page, 7)).get_json()
        assert data["total"] == len(found) and data["reports"] == REPORTS
        listed_ids += [d["doc_id"] for d in data["documents"]]
    assert listed_ids == expected[:21]
    for facet in ("source", "city", "county", "year"):
        counted = {v["value"]: v["count"] for v in data["facets"][facet]}
        oracle = {}
        for row in made:
            if passes(row, selected, skip=facet) and row[facet]:
                oracle[row[facet]] = oracle.get(row[facet], 0) + 1
        for value in selected.get(facet, []):
            oracle.setdefault(value, 0)
        assert counted == oracle, facet


def test_a_new_index_version_is_listed_anew(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    made = rows(6)
    write(archive, made)
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    assert client.get("/api/documents?city=株洲市").get_json()["total"] == 2
    assert "共 <strong>6</strong> 篇报道" in client.get("/").get_data(as_text=True)
    made[0]["city"], made[0]["county"] = "株洲市", "天元区"  # a changed row and a new report
    made += rows(7)[6:]
    write(archive, made)
    ingest(archive, tmp_path / "index", jobs=1)
    data = client.get("/api/documents?city=株洲市").get_json()
    assert data["total"] == 3 and data["reports"] == 7
    assert "r00" in [d["doc_id"] for d in data["documents"]]
    assert "共 <strong>7</strong> 篇报道" in client.get("/").get_data(as_text=True)
