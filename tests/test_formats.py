"""Reports kept as web pages, Word documents and PDFs: real files of each format are written in
the test (python-docx, reportlab with its CJK font), ingested with the real command line, and
read back through the web app: paragraphs, metadata with provenance, /raw, page numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import docx
import pytest
from click.testing import CliRunner
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from archivist.cli import main
from archivist.formats import extract
from archivist.formats.pdfdoc import _Box, _Line, reading_order
from archivist.formats.stated import person_names
from archivist.segment import segment
from archivist.web import create_app

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))  # reportlab's built-in Chinese font

# Made-up reports, each with a marker found nowhere else.
P1 = "株洲市公安局开展道路交通安全整治行动，守护群众平安出行，标记网一号。"
P2 = "全市交警部门深入开展隐患排查，共排查道路隐患一百二十处，整改完成一百一十处。"
P3 = "民警走进社区和学校，开展交通安全宣传，发放宣传资料三千余份。"
FILLER = "这项工作得到了群众的普遍好评，社会治安形势持续向好，群众安全感不断提升。" * 3

NEWS_PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>株洲：守护平安出行 - 株洲新闻网</title>
<meta property="og:title" content="株洲：守护平安出行">
<meta name="author" content="刘琼，邱宇松">
<meta property="article:published_time" content="2023-05-06T08:30:00+08:00">
<meta property="og:site_name" content="株洲新闻网">
<meta name="ContentSource" content="株洲日报">
<link rel="canonical" href="https://news.example.cn/2023/0506/1.html">
<script>var tracker = "标记不该出现";</script>
</head><body>
<div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/login">登录</a></div>
<div class="article">
<h1>株洲：守护平安出行</h1>
<p>{P1[:12]}
{P1[12:18]}
{P1[18:]}</p>
<p>{FILLER}</p>
<h2>一、强化源头治理</h2>
<p>{P2}<br>{P3}</p>
<p>{FILLER}这篇报道的前一篇曾刊发于人民日报第3版。</p>
</div>
<div class="footer">版权所有 株洲新闻网</div>
</body></html>"""

EPAPER_PAGE = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>醴陵夜巡记-株洲日报数字报</title></head><body>
<table><tr><td>株洲日报 2024年02月16日 星期五</td><td>第A03版：平安株洲</td>
<td><a href="a02.htm">上一版</a> <a href="a04.htm">下一版</a></td></tr></table>
<div class="content">
<h3>醴陵夜巡记</h3>
<div id="ozoom"><p>　　凌晨一点，醴陵市公安局巡特警大队的巡逻车驶过瓷城大道，标记报二号。</p>
<p>　　{FILLER}</p><p>　　{FILLER}</p></div>
</div></body></html>"""


UNFINISHED = "附件为茶陵县各乡镇网格化管理工作开展情况汇总表及基层治理工作情况统计表"


def make_docx(title: str, author: str) -> bytes:
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.add_heading("茶陵县推进基层治理工作报告", level=1)
    document.add_paragraph("茶陵县综治中心")
    document.add_paragraph("一、基本情况")
    document.add_paragraph("今年以来，全县上下坚持党建引领，推进基层治理，标记文三号。")
    paragraph = document.add_paragraph("网格员走访群众八千户，")
    paragraph.add_run("化解矛盾纠纷三百余起。")
    document.add_paragraph(UNFINISHED)  # a paragraph of its own, though it ends no sentence
    document.add_paragraph("下一段是另一个段落，标记文四号。")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("乡镇", "纠纷数"), ("云阳街道", "四十二")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(pages, title: str = "", author: str = "") -> bytes:
    """A PDF whose pages are lists of (x, y, size, text) drawn with STSong-Light."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    for page in pages:
        for x, y, size, text in page:
            pdf.setFont("STSong-Light", size)
            pdf.drawString(x, y, text)
        if not page:
            pdf.rect(72, 400, 300, 300, fill=1)  # a "scan": a picture, no text
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _column(x: float, top: float, lines: list[str]) -> list[tuple]:
    return [(x, top - 14 * i, 10, line) for i, line in enumerate(lines)]


def _wrap(paragraphs: list[str], width: int) -> list[str]:
    """Paragraphs indented by two ideographic spaces and cut into lines of ``width`` characters
    (every character here is one em wide), as a typesetter wraps Chinese text."""
    lines = []
    for paragraph in paragraphs:
        text = "\u3000\u3000" + paragraph
        lines += [text[i : i + width] for i in range(0, len(text), width)]
    return lines


PAGE_PARAGRAPHS = [
    "渌口区禁毒委组织民警走进中小学校，开展禁毒宣传教育活动，标记页四号。",
    "活动中，民警通过展板讲解、案例分析等形式，向学生们普及毒品的危害和防范知识，提高自我保护意识。",
    "第二页的另一段，标记页五号。",
]
PAGE_LINES = _wrap(PAGE_PARAGRAPHS, 20)  # 2 + 3 + 1 lines
# One column on two pages: paragraphs wrap (CJK, no spaces); the second runs onto page 2.
ONE_COLUMN = _pdf(
    [
        [(72, 780, 18, "渌口区禁毒宣传进校园"), *_column(72, 740, PAGE_LINES[:3])],
        _column(72, 780, PAGE_LINES[3:]),
    ],
    title="渌口区禁毒宣传进校园",
    author="王明",
)

# Two columns under a headline across them: the left column's last paragraph, one line long
# (alone it would pass for a heading), continues at the top of the right column.
TWO_COLUMNS = _pdf(
    [
        [
            (72, 780, 18, "攸县警方破获电信诈骗案"),
            *_column(
                72,
                740,
                [
                    "　　攸县公安局近日破获一起电信网",
                    "络诈骗案，标记栏六号。",
                    "　　民警提醒广大群众，接到自称公",  # fills the column: goes on at the right
                ],
            ),
            *_column(
                310,
                750,
                [
                    "检法的电话要提高警惕，不要轻信陌",
                    "生来电，不要向陌生账户转账。",
                    "　　右栏第二段，标记栏七号。",
                ],
            ),
        ]
    ],
    title="Microsoft Word - 攸县.docx",  # software's title: not the report's
    author="雨林木风",  # a Windows build's default user name: not a person
)

SCANNED = _pdf([[]])


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> dict:
    """An archive of every format, ingested with the real command line."""
    base = tmp_path_factory.mktemp("formats")
    root = base / "archive"
    (root / "web").mkdir(parents=True)
    (root / "web" / "news.html").write_text(NEWS_PAGE, encoding="utf-8")
    (root / "web" / "epaper.HTM").write_bytes(EPAPER_PAGE.encode("gb2312"))
    (root / "report.docx").write_bytes(make_docx("茶陵县基层治理报告", "Microsoft Office User"))
    (root / "one.pdf").write_bytes(ONE_COLUMN)
    (root / "one.txt").write_text("同名的文本报告\n\n正文里有标记同八号。\n", encoding="utf-8")
    (root / "two columns.pdf").write_bytes(TWO_COLUMNS)
    (root / "scan.pdf").write_bytes(SCANNED)
    (root / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (root / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 old word")
    (root / "..dotdot.txt").write_text("点开头的报告\n\n正文里有标记点九号。\n", encoding="utf-8")
    (root / "UPPER.TXT").write_text("大写后缀的报告\n\n正文里有标记大十号。\n", encoding="utf-8")
    (root / ".txt").write_text("没有名字\n", encoding="utf-8")
    (root / "x.pdf.txt").write_text("与 x.pdf 同一标识\n", encoding="utf-8")
    (root / "x.pdf").write_bytes(_pdf([[(72, 780, 12, "一个小的文件。")]]))
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["file", "title", "source", "date", "city", "county", "authors", "url"])
    writer.writerow(["one.pdf", "", "株洲日报", "", "", "", "", ""])
    (root / "catalog.csv").write_text(rows.getvalue(), encoding="utf-8")
    index = base / "index"
    result = CliRunner().invoke(
        main, ["ingest", "--archive", str(root), "--index", str(index), "--jobs", "1"]
    )
    app = create_app({"TESTING": True, "INDEX_DIR": str(index), "ARCHIVE_DIR": str(root)})
    return {"root": root, "result": result, "client": app.test_client()}


def _document(archive, doc_id: str) -> dict:
    response = archive["client"].get(f"/api/documents/{quote(doc_id)}")
    assert response.status_code == 200, (doc_id, response.status_code)
    return response.get_json()


def _texts(document: dict) -> list[str]:
    return [block["text"] for block in document["blocks"]]


def test_unreadable_files_are_named_with_the_reason(archive, skipped_files):
    result = archive["result"]
    assert result.exit_code == 1, result.output
    skipped = skipped_files(result.output)
    assert "scanned PDF without a text layer" in skipped["scan.pdf"]
    assert "not a Word document" in skipped["broken.docx"]
    assert ".docx" in skipped["old.doc"]
    assert "identifier ''" in skipped[".txt"]
    assert "same identifier 'x.pdf'" in skipped["x.pdf.txt"]
    assert len(skipped) == 5, skipped
    assert "9 documents" in result.output


def test_scanned_pdf_is_not_indexed_as_empty(archive):
    assert archive["client"].get("/api/documents/scan.pdf").status_code == 404


def test_news_page_paragraphs_and_metadata(archive):
    document = _document(archive, "web/news.html")
    texts = _texts(document)
    assert texts[0] == "株洲：守护平安出行"  # the headline, though the extractor drops it
    assert P1 in texts  # the source's line wrap between Chinese characters left no space
    assert P2 in texts and P3 in texts  # <br> splits a paragraph
    assert "一、强化源头治理" in texts
    assert not any("标记不该出现" in t or "版权所有" in t or "登录" in t for t in texts)
    meta = document["meta"]
    assert meta["title"] == "株洲：守护平安出行"
    assert meta["authors"] == ["刘琼", "邱宇松"]
    assert (meta["date"], meta["year"]) == ("2023-05-06", 2023)
    assert meta["source"] == "株洲日报"
    assert meta["url"] == "https://news.example.cn/2023/0506/1.html"
    for name in ("title", "authors", "date", "year", "source", "url"):
        assert meta["provenance"][name] == "html", name
    assert meta["page"] == ""  # "第3版" in the text is not this page's 版次


def test_epaper_page_structure(archive):
    document = _document(archive, "web/epaper.HTM")
    lead = "凌晨一点，醴陵市公安局巡特警大队的巡逻车驶过瓷城大道，标记报二号。"
    assert lead in _texts(document)
    meta = document["meta"]
    assert (meta["source"], meta["date"], meta["page"]) == ("株洲日报", "2024-02-16", "A03")
    assert meta["provenance"]["page"] == meta["provenance"]["date"] == "html"


def test_docx_paragraphs_headings_tables_and_properties(archive):
    document = _document(archive, "report.docx")
    texts = _texts(document)
    assert texts[:3] == ["茶陵县推进基层治理工作报告", "茶陵县综治中心", "一、基本情况"]
    assert "网格员走访群众八千户，化解矛盾纠纷三百余起。" in texts  # runs make one paragraph
    assert "云阳街道 四十二" in texts  # a table row
    assert UNFINISHED in texts and "下一段是另一个段落，标记文四号。" in texts  # never joined
    kinds = {block["text"]: block["kind"] for block in document["blocks"]}
    assert kinds["一、基本情况"] == "heading"
    meta = document["meta"]
    assert (meta["title"], meta["provenance"]["title"]) == ("茶陵县基层治理报告", "docx")
    assert meta["authors"] == [] and meta["provenance"]["authors"] == ""  # software's user
    assert all(block["page"] is None for block in document["blocks"])


def test_pdf_one_column_paragraphs_and_pages(archive):
    document = _document(archive, "one.pdf")
    blocks = {block["text"]: block for block in document["blocks"]}
    assert blocks["渌口区禁毒宣传进校园"]["page"] == 1
    first, across, second = PAGE_PARAGRAPHS
    assert blocks[first]["page"] == 1  # line wraps between Chinese characters: no space
    assert blocks[across]["page"] == 1  # cut by the page break, joined, starts on page 1
    assert blocks[second]["page"] == 2
    meta = document["meta"]
    assert (meta["title"], meta["provenance"]["title"]) == ("渌口区禁毒宣传进校园", "pdf")
    assert (meta["authors"], meta["provenance"]["authors"]) == (["王明"], "pdf")
    assert (meta["source"], meta["provenance"]["source"]) == ("株洲日报", "catalogue")


def test_pdf_two_columns_are_read_in_order(archive):
    texts = _texts(_document(archive, "two columns.pdf"))
    assert texts == [
        "攸县警方破获电信诈骗案",
        "攸县公安局近日破获一起电信网络诈骗案，标记栏六号。",
        "民警提醒广大群众，接到自称公检法的电话要提高警惕，不要轻信陌生来电，不要向陌生账户转账。",
        "右栏第二段，标记栏七号。",
    ]


def test_software_properties_are_not_metadata(archive):
    meta = _document(archive, "two columns.pdf")["meta"]
    assert meta["provenance"]["authors"] != "pdf" and "雨林木风" not in meta["authors"]
    assert meta["provenance"]["title"] != "pdf" and "Microsoft" not in meta["title"]


@pytest.mark.parametrize(
    ("doc_id", "media_type", "name"),
    [
        ("one.pdf", "application/pdf", "one.pdf"),
        ("one", "text/plain; charset=utf-8", "one.txt"),
        ("web/news.html", "text/html; charset=utf-8", "web/news.html"),
        ("web/epaper.HTM", "text/html; charset=utf-8", "web/epaper.HTM"),
        (
            "report.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "report.docx",
        ),
    ],
)
def test_raw_serves_the_original_with_its_media_type(archive, doc_id, media_type, name):
    response = archive["client"].get(f"/raw/{quote(doc_id)}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type
    assert response.data == (archive["root"] / name).read_bytes()


def test_raw_web_page_is_shown_sandboxed(archive):
    response = archive["client"].get("/raw/web/news.html")
    assert response.headers["Content-Security-Policy"].startswith("sandbox")


def test_txt_and_pdf_of_one_name_live_side_by_side(archive):
    assert any("标记同八号" in t for t in _texts(_document(archive, "one")))
    assert any("标记页四号" in t for t in _texts(_document(archive, "one.pdf")))


def test_document_page_links_the_original_at_each_page(archive):
    html = archive["client"].get("/doc/one.pdf").get_data(as_text=True)
    assert 'href="/raw/one.pdf">查看原件（PDF）</a>' in html
    assert 'href="/raw/one.pdf#page=1"' in html and 'href="/raw/one.pdf#page=2"' in html
    assert "原件第 2 页" in html


def test_permalink_page_says_which_page(archive):
    document = _document(archive, "one.pdf")
    block = next(b for b in document["blocks"] if "标记页五号" in b["text"])
    html = archive["client"].get(block["permalink"]).get_data(as_text=True)
    assert 'href="/raw/one.pdf#page=2"' in html and "本段在原件第 2 页" in html


@pytest.mark.parametrize("doc_id", ["..dotdot", "UPPER.TXT"])
def test_dot_and_upper_case_names_are_reports(archive, doc_id):
    assert _texts(_document(archive, doc_id))
    assert archive["client"].get(f"/raw/{quote(doc_id)}").status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("news.html", NEWS_PAGE.encode()),
        ("epaper.htm", EPAPER_PAGE.encode("gb2312")),
        ("report.docx", make_docx("", "")),
        ("one.pdf", ONE_COLUMN),
        ("two.pdf", TWO_COLUMNS),
    ],
)
def test_nothing_extracted_is_lost(name, data):
    extracted = extract(Path(name), data)
    blocks = segment(extracted.text)

    def chars(text: str) -> str:
        return "".join(text.split())

    assert chars("".join(block.text for block in blocks)) == chars(extracted.text)


def _box(name: str, x0: float, x1: float, top: float) -> _Box:
    return _Box(x0, x1, top, [_Line(name, x0, x1, 10.0, False)])


def test_reading_order_bands_and_columns():
    boxes = [
        _box("right 1", 310, 520, 712),  # the right column starts a little higher
        _box("left 2", 72, 290, 600),
        _box("headline", 72, 520, 760),
        _box("left 1", 72, 290, 700),
        _box("right 2", 310, 520, 610),
        _box("band 2 right", 310, 520, 380),
        _box("across", 72, 520, 450),  # a second headline across both columns
        _box("band 2 left", 72, 290, 370),
    ]
    order = [box.lines[0].text for box in reading_order(boxes)]
    assert order == [
        "headline",
        "left 1",
        "left 2",
        "right 1",
        "right 2",
        "across",
        "band 2 left",
        "band 2 right",
    ]


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("刘琼，邱宇松", ["刘琼", "邱宇松"]),
        ("Administrator", []),
        ("Microsoft Office User", []),
        ("微软用户", []),
        ("雨林木风", []),
        ("株洲日报", []),
        ("Jane Smith; 王明", ["Jane Smith", "王明"]),
    ],
)
def test_only_people_are_authors(value, names):
    assert person_names(value) == names
