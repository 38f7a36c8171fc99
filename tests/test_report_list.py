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


def by_count(made: list[dict], facet: str) -> list[tuple[str, int]]:
    """The oracle's values of a facet, most reports first, ties in name order."""
    counts: dict[str, int] = {}
    for row in made:
        if row[facet]:
            counts[row[facet]] = counts.get(row[facet], 0) + 1
    return sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))


def test_newspapers_and_places_list_their_facet_size_most_frequent(listed):
    client, made = listed
    data = client.get("/api/documents?facet_size=2").get_json()
    for facet in ("source", "city", "county"):
        shown = [(v["value"], v["count"]) for v in data["facets"][facet]]
        assert shown == by_count(made, facet)[:2], facet
    assert data["facets_more"] == {"source": 1, "city": 1, "county": 1}
    assert len(data["facets"]["year"]) == len({r["year"] for r in made if r["year"]})  # uncut
    assert data["query"]["facet_size"] == 2
    assert data["facets_all_url"] == "/docs?facet_size=max"
    every = client.get("/api/documents?facet_size=max").get_json()
    assert every["query"]["facet_size"] == "max" and every["facets_more"] == {}
    assert [(v["value"], v["count"]) for v in every["facets"]["city"]] == by_count(made, "city")
    default = client.get("/api/documents").get_json()
    assert default["facets_more"] == {} and default["facets_all_url"] == ""


def test_a_selected_value_past_the_cut_stays_listed(listed):
    client, made = listed
    last = by_count(made, "city")[-1][0]
    data = client.get(f"/api/documents?facet_size=1&city={last}").get_json()
    shown = [v["value"] for v in data["facets"]["city"]]
    assert shown == [by_count(made, "city")[0][0], last]
    assert data["facets"]["city"][1]["selected"] and data["facets_more"]["city"] == 1


def test_every_link_of_the_list_keeps_the_facet_size(listed):
    client, _made = listed
    data = client.get("/api/documents?facet_size=2&city=株洲市&per_page=3").get_json()
    links = [v["toggle_url"] for values in data["facets"].values() for v in values]
    links += [c["remove_url"] for c in data["chips"]] + [s["url"] for s in data["sorts"]]
    links += [data["clear_url"], data["pagination"]["next_url"]]
    assert all("facet_size=2" in link for link in links), links
    assert {"name": "facet_size", "value": "2"} in data["forms"]["dates"]
    html = client.get("/docs?facet_size=2").get_data(as_text=True)
    assert "另有 1 个城市未列出" in html
    assert 'href="/docs?facet_size=max" data-focus="more:city">全部列出</a>' in html


@pytest.mark.parametrize("value", ["0", "-1", "abc", "10001", "1.5"])
def test_a_bad_facet_size_is_a_400_naming_it(listed, value):
    client, _made = listed
    response = client.get(f"/api/documents?facet_size={value}")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "facet_size"
    assert client.get(f"/docs?facet_size={value}").status_code == 400
