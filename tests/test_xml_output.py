"""Every XML document the archive emits (Atom feed, OpenSearch description) is well-formed,
whatever the query and whatever the reports hold: each answer is parsed by a real XML parser."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from archivist.indexing import ingest
from archivist.web import create_app

ATOM = "{http://www.w3.org/2005/Atom}"
# Characters XML 1.0 forbids, as a query string carries them.
HOSTILE_QUERIES = [b"q=%01", b"q=%1B", b"q=a%0Cb", b"q=%EF%BF%BE", b"q=%EF%BF%BF", b"q=%00x"]
CONTROL_TEXT = "控制符\x01号\x0b段落\x1b里\ufffe有\uffff怪字符。"


def parsed(response) -> ET.Element:
    assert response.status_code == 200, response.status_code
    return ET.fromstring(response.get_data())


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: q.decode())
def test_the_feed_is_well_formed_for_control_characters_in_the_query(client, query):
    response = client.get("/feed.atom", environ_overrides={"QUERY_STRING": query.decode()})
    assert parsed(response).tag == f"{ATOM}feed"


def test_the_feed_and_opensearch_are_well_formed_for_reports_holding_control_characters(
    make_archive, tmp_path
):
    archive = make_archive(
        {
            "control.txt": f"标题一行\n\n{CONTROL_TEXT}\n\n第二段正文。\n",
            # dated: the feed lists dated paragraphs only
            "catalog.csv": "file,title,source,date,city,county,authors,url\n"
            "control.txt,标题\x01一行,,2020-01-02,,,,\n",
        }
    )
    ingest(archive, tmp_path / "index", rebuild=True, jobs=1)
    client = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")}).test_client()
    assert client.get("/api/search?q=怪字符").get_json()["total"] == 1  # the text is indexed
    feed = parsed(client.get("/feed.atom?q=怪字符"))
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.iter(f"{ATOM}entry")]
    assert len(summaries) == 1 and "怪字符" in summaries[0]
    every = parsed(client.get("/feed.atom"))  # no query: every paragraph, titles included
    assert len(list(every.iter(f"{ATOM}entry"))) >= 2
    assert parsed(client.get("/opensearch.xml")).tag.endswith("OpenSearchDescription")
