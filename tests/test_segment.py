"""Layout repair and block kinds, on the seeds and on made-up reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from archivist.reading import read_report
from archivist.segment import KINDS, Block, continues, ends_sentence, parse_byline, segment

ARCHIVE = Path(__file__).resolve().parent.parent / "archive"
SEEDS = (
    "000_1393866c2a5a9400",
    "001_9e062a6a15db781c",
    "002_4bcea7a16599077f",
    "003_cf03e3746bb637f2",
    "004_9d64727acbccac30",
)


def seed_text(doc_id: str) -> str:
    return read_report(ARCHIVE / f"{doc_id}.txt")


@pytest.fixture(scope="module")
def seeds() -> dict[str, list[Block]]:
    return {doc_id: segment(seed_text(doc_id)) for doc_id in SEEDS}


def at(blocks: list[Block], line: int) -> Block:
    """The block holding a source line."""
    return next(block for block in blocks if line in block.lines)


def expected_text(source_lines: list[str], numbers: tuple[int, ...]) -> str:
    """What a block of these source lines must read: stripped lines, joined like the segmenter."""
    text = ""
    for number in numbers:
        piece = source_lines[number - 1].strip()
        glue = text and text[-1].isascii() and text[-1].isalnum()
        text += (" " if glue and piece[0].isascii() and piece[0].isalnum() else "") + piece
    return text


def check_invariants(text: str, blocks: list[Block]) -> None:
    """Every non-blank line in exactly one block, original characters, nothing reordered
    except lines printed inside a paragraph that a join skipped (captions, credits, page
    headers, continuation notes: they follow the joined paragraph)."""
    source = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    non_blank = [n for n, line in enumerate(source, start=1) if line.strip()]
    placed = [n for block in blocks for n in block.lines]
    assert sorted(placed) == non_blank, "a line is lost or doubled"
    last_line = 0
    joined: tuple[int, ...] = ()
    for block in blocks:
        assert block.kind in KINDS
        assert block.lines == tuple(sorted(block.lines))
        assert block.text == expected_text(source, block.lines)
        if len(block.lines) > 1:
            assert block.kind in ("body", "caption")  # a paragraph, or a caption cut in two
            joined = block.lines
        if block.lines[0] < last_line:  # only a line printed inside the last joined paragraph
            assert block.kind in ("caption", "credit", "boilerplate", "dateline"), block
            assert joined and joined[0] < block.lines[0] < joined[-1], block
        else:
            last_line = block.lines[-1]


# ---------------------------------------------------------------- invariants on the seeds


@pytest.mark.parametrize("doc_id", SEEDS)
def test_nothing_lost_or_reordered_on_the_seeds(seeds, doc_id):
    check_invariants(seed_text(doc_id), seeds[doc_id])


@pytest.mark.parametrize("doc_id", SEEDS)
def test_every_kind_is_known_and_every_block_has_a_story(seeds, doc_id):
    blocks = seeds[doc_id]
    title = next(block.text for block in blocks if block.kind == "title")
    assert all(block.story for block in blocks)
    if doc_id != "003_cf03e3746bb637f2":
        assert {block.story for block in blocks} == {title}


def test_segmenting_twice_gives_the_same_blocks():
    text = seed_text(SEEDS[3])
    assert segment(text) == segment(text)


# ---------------------------------------------------------------- joins that must happen


@pytest.mark.parametrize(
    ("doc_id", "lines", "fragment"),
    [
        ("000_1393866c2a5a9400", (45, 47), "茶陵公安始终秉持“要做关爱自己家人一样关爱民警”"),
        ("000_1393866c2a5a9400", (83, 85), "把40%的考核计分权重交给当地村支两委并接受"),
        ("000_1393866c2a5a9400", (105, 107), "惠及全县8万余名中小学生。”"),
        ("000_1393866c2a5a9400", (117, 119), "三年行动方案》，首创"),
        ("001_9e062a6a15db781c", (87, 89), "立体化社会治安防控体系,全州"),
        ("001_9e062a6a15db781c", (93, 95), "某知名医院进行免费体检"),
        ("002_4bcea7a16599077f", (15, 17), "株洲市公安局董家段分局（以下简称董家段公安分局）"),
        ("002_4bcea7a16599077f", (45, 47), "一些他自己都没有保存的图片"),
        ("002_4bcea7a16599077f", (103, 105), "以“提升组织力”活动为契机"),
        ("002_4bcea7a16599077f", (107, 109), "定期组织集中培训，"),
        ("002_4bcea7a16599077f", (113, 115), "运用大数据模型"),
        ("002_4bcea7a16599077f", (131, 133), "发展实施”和“强化项目建设百日攻坚”"),
        ("002_4bcea7a16599077f", (135, 137), "地痞、村霸和流氓恶势力"),
        ("003_cf03e3746bb637f2", (19, 21), "努力把各级党组织锻造得更加坚强有力。"),
        ("003_cf03e3746bb637f2", (31, 33), "科技新发展、犯罪新形态"),
        ("003_cf03e3746bb637f2", (43, 45), "各级党委政府更高评价。"),
        ("003_cf03e3746bb637f2", (113, 115), "及时疏导交通，处置突发事件"),
        ("004_9d64727acbccac30", (109, 111), "最基层、最前沿的地方,出现在"),
    ],
)
def test_paragraphs_cut_by_page_breaks_are_joined(seeds, doc_id, lines, fragment):
    block = at(seeds[doc_id], lines[0])
    assert block.lines == lines
    assert block.kind == "body"
    assert fragment in block.text


def test_join_across_photo_captions(seeds):
    """004: a paragraph cut by four photos, their captions and the credit."""
    blocks = seeds["004_9d64727acbccac30"]
    index = blocks.index(at(blocks, 51))
    joined = blocks[index]
    assert joined.lines == (51, 71)
    assert "“快反135”平台和社区警务工作平台,为派出所主防注入强劲动能。" in joined.text
    after = blocks[index + 1 : index + 6]
    assert [block.lines for block in after] == [(55,), (59,), (63,), (67,), (69,)]
    assert [block.kind for block in after] == ["caption"] * 4 + ["credit"]
    assert at(blocks, 49).kind == "heading"
    assert at(blocks, 73).lines == (73,)


# ---------------------------------------------------------------- joins that must not happen


@pytest.mark.parametrize(
    ("doc_id", "line"),
    [
        ("001_9e062a6a15db781c", 113),  # 深化“放管 …: the quote is never closed below
        ("001_9e062a6a15db781c", 115),
        ("001_9e062a6a15db781c", 127),  # 你会发现,违 … continued higher up (line 109)
        ("001_9e062a6a15db781c", 109),
        ("002_4bcea7a16599077f", 139),  # 等涉 … continued higher up (line 121)
        ("002_4bcea7a16599077f", 121),
        ("000_1393866c2a5a9400", 65),  # an image label, not a paragraph
        ("000_1393866c2a5a9400", 151),  # a heading with photos below it
    ],
)
def test_fragments_without_a_continuation_stay_alone(seeds, doc_id, line):
    assert at(seeds[doc_id], line).lines == (line,)


def test_complete_paragraphs_are_never_joined(seeds):
    for doc_id, blocks in seeds.items():
        for block in blocks:
            if len(block.lines) > 1:
                source = seed_text(doc_id).split("\n")
                assert not ends_sentence(source[block.lines[0] - 1].strip())


# ---------------------------------------------------------------- kinds on the seeds


@pytest.mark.parametrize(
    ("doc_id", "line", "kind"),
    [
        ("000_1393866c2a5a9400", 3, "title"),
        ("000_1393866c2a5a9400", 5, "subtitle"),
        ("000_1393866c2a5a9400", 7, "byline"),
        ("000_1393866c2a5a9400", 23, "caption"),
        ("000_1393866c2a5a9400", 27, "caption"),
        ("000_1393866c2a5a9400", 29, "heading"),
        ("000_1393866c2a5a9400", 63, "caption"),
        ("000_1393866c2a5a9400", 65, "caption"),
        ("000_1393866c2a5a9400", 67, "caption"),
        ("000_1393866c2a5a9400", 69, "heading"),
        ("000_1393866c2a5a9400", 91, "body"),  # ——“云剑”出鞘！… is a list item, not a subtitle
        ("000_1393866c2a5a9400", 101, "heading"),
        ("000_1393866c2a5a9400", 151, "heading"),
        ("000_1393866c2a5a9400", 155, "caption"),
        ("000_1393866c2a5a9400", 157, "caption"),
        ("000_1393866c2a5a9400", 159, "credit"),
        ("001_9e062a6a15db781c", 3, "kicker"),
        ("001_9e062a6a15db781c", 5, "kicker"),
        ("001_9e062a6a15db781c", 7, "title"),
        ("001_9e062a6a15db781c", 9, "subtitle"),
        ("001_9e062a6a15db781c", 11, "byline"),
        ("001_9e062a6a15db781c", 23, "caption"),
        ("001_9e062a6a15db781c", 27, "caption"),
        ("001_9e062a6a15db781c", 29, "heading"),
        ("001_9e062a6a15db781c", 31, "heading"),
        ("001_9e062a6a15db781c", 33, "body"),
        ("001_9e062a6a15db781c", 47, "heading"),
        ("001_9e062a6a15db781c", 49, "heading"),
        ("001_9e062a6a15db781c", 51, "body"),
        ("001_9e062a6a15db781c", 77, "heading"),
        ("001_9e062a6a15db781c", 103, "heading"),
        ("001_9e062a6a15db781c", 107, "caption"),
        ("001_9e062a6a15db781c", 113, "body"),
        ("001_9e062a6a15db781c", 131, "caption"),
        ("001_9e062a6a15db781c", 135, "caption"),
        ("002_4bcea7a16599077f", 5, "title"),
        ("002_4bcea7a16599077f", 7, "subtitle"),
        ("002_4bcea7a16599077f", 9, "byline"),
        ("002_4bcea7a16599077f", 25, "caption"),
        ("002_4bcea7a16599077f", 27, "heading"),
        ("002_4bcea7a16599077f", 29, "heading"),
        ("002_4bcea7a16599077f", 65, "caption"),
        ("002_4bcea7a16599077f", 69, "caption"),
        ("002_4bcea7a16599077f", 81, "body"),
        ("003_cf03e3746bb637f2", 3, "title"),
        ("003_cf03e3746bb637f2", 5, "byline"),
        ("003_cf03e3746bb637f2", 7, "heading"),
        ("003_cf03e3746bb637f2", 13, "heading"),
        ("003_cf03e3746bb637f2", 59, "kicker"),
        ("003_cf03e3746bb637f2", 61, "title"),
        ("003_cf03e3746bb637f2", 63, "body"),
        ("003_cf03e3746bb637f2", 65, "heading"),
        ("003_cf03e3746bb637f2", 75, "heading"),
        ("003_cf03e3746bb637f2", 77, "body"),
        ("003_cf03e3746bb637f2", 109, "heading"),
        ("003_cf03e3746bb637f2", 134, "caption"),
        ("003_cf03e3746bb637f2", 136, "credit"),
        ("003_cf03e3746bb637f2", 140, "caption"),
        ("003_cf03e3746bb637f2", 142, "title"),
        ("003_cf03e3746bb637f2", 156, "caption"),
        ("004_9d64727acbccac30", 3, "kicker"),
        ("004_9d64727acbccac30", 7, "title"),
        ("004_9d64727acbccac30", 9, "subtitle"),
        ("004_9d64727acbccac30", 11, "byline"),
        ("004_9d64727acbccac30", 23, "heading"),
        ("004_9d64727acbccac30", 49, "heading"),
        ("004_9d64727acbccac30", 55, "caption"),
        ("004_9d64727acbccac30", 59, "caption"),
        ("004_9d64727acbccac30", 69, "credit"),
        ("004_9d64727acbccac30", 121, "heading"),
        ("004_9d64727acbccac30", 147, "body"),
    ],
)
def test_kinds_on_the_seeds(seeds, doc_id, line, kind):
    assert at(seeds[doc_id], line).kind == kind


@pytest.mark.parametrize(
    ("doc_id", "text", "kind"),
    [
        ("000_1393866c2a5a9400", "素质过硬锻造最忠诚警队", "heading"),
        ("004_9d64727acbccac30", "深化五大防控 织密派出所主防网络", "heading"),
        ("000_1393866c2a5a9400", "戴鹏 周志军 李志亮 李慧娟", "byline"),
        ("000_1393866c2a5a9400", "(本版图片均由茶陵县公安局提供)", "credit"),
        ("001_9e062a6a15db781c", "——株洲公安工作巡礼", "subtitle"),
        ("001_9e062a6a15db781c", "壮丽70年 奋斗新时代", "kicker"),
        ("001_9e062a6a15db781c", "株洲发展成就巡礼", "kicker"),
        ("003_cf03e3746bb637f2", "市人民政府副市长、市公安局局长 唐文发", "byline"),
    ],
)
def test_named_examples(seeds, doc_id, text, kind):
    assert [block.kind for block in seeds[doc_id] if block.text == text] == [kind]


# ---------------------------------------------------------------- stories


def test_a_page_with_several_stories(seeds):
    blocks = seeds["003_cf03e3746bb637f2"]
    stories = list(dict.fromkeys(block.story for block in blocks))
    assert stories == [
        "努力建设更高水平的平安株洲",
        "事故四项指数全降 全力攻坚“四个专项”",
        "市委政法委举行学习贯彻党的二十大精神宣讲会",
        "元旦无大案大事，三项警务指数下降",
        "千里邮寄锦旗 点赞民警",
    ]
    story_of = {line: at(blocks, line).story for line in (9, 55, 59, 63, 89, 91, 95, 105, 134, 144)}
    assert story_of == {
        9: stories[0],
        55: stories[0],
        59: stories[1],  # the kicker belongs to the story below it
        63: stories[1],
        89: stories[1],
        91: stories[2],
        95: stories[2],
        105: stories[3],
        134: stories[3],
        144: stories[4],
    }
    titles = [block.text for block in blocks if block.kind == "title"]
    assert titles == stories


def test_a_report_without_a_title_has_no_story():
    text = "这是一段很长的正文，没有标题，也没有作者，只是一段话，讲述经过。\n\n第二段。\n"
    blocks = segment(text)
    assert [block.kind for block in blocks] == ["body", "body"]
    assert {block.story for block in blocks} == {""}


# ---------------------------------------------------------------- made-up reports

REPORT = """\
撑起一方晴朗的天

——茶陵县公安局工作纪实

记者 张三 通讯员 李四

仲冬的茶陵县云阳山，别有一番迷人的韵味。太阳升起，雾气开始升腾。

素质过硬锻造最忠诚警队

坚持既严管又厚爱，茶陵公安始终秉持“要做关爱自己



“夜鹰”巡防队保护校园周边安全。

家人一样关爱民警”的理念，深入实施“暖警工程”。

今年，茶陵县公安局还在全省首创局党委班子活动。
"""


def kinds_and_lines(blocks: list[Block]) -> list[tuple[str, tuple[int, ...]]]:
    return [(block.kind, block.lines) for block in blocks]


def test_made_up_report_with_a_break_across_a_caption():
    blocks = segment(REPORT)
    check_invariants(REPORT, blocks)
    assert kinds_and_lines(blocks) == [
        ("title", (1,)),
        ("subtitle", (3,)),
        ("byline", (5,)),
        ("body", (7,)),
        ("heading", (9,)),
        ("body", (11, 17)),
        ("caption", (15,)),
        ("body", (19,)),
    ]
    assert blocks[5].text == (
        "坚持既严管又厚爱，茶陵公安始终秉持“要做关爱自己家人一样关爱民警”的理念，深入实施“暖警工程”。"
    )
    assert {block.story for block in blocks} == {"撑起一方晴朗的天"}


def test_gbk_file(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(REPORT.encode("gbk"))
    blocks = segment(read_report(path))
    check_invariants(REPORT, blocks)
    assert blocks == segment(REPORT)


@pytest.mark.parametrize("ending", ["\r\n", "\r"], ids=["crlf", "cr-only"])
def test_crlf_and_cr_files(tmp_path, ending):
    path = tmp_path / "report.txt"
    path.write_bytes(REPORT.replace("\n", ending).encode("utf-8"))
    text = read_report(path)
    assert segment(text) == segment(REPORT)
    assert segment(REPORT.replace("\n", ending)) == segment(REPORT)  # also without read_report


def test_one_paragraph_per_line():
    text = (
        "社区民警的一天\n"
        "记者 王五\n"
        "早上七点，社区民警李飞就来到了警务室。\n"
        "他打开电脑，查看辖区视频信息，发现一处\n"
        "路灯损坏，立即联系有关部门修理。\n"
        "中午，他走访了辖区的三家企业。\n"
        "下午，他在社区开展反诈宣传。\n"
    )
    blocks = segment(text)
    check_invariants(text, blocks)
    assert kinds_and_lines(blocks) == [
        ("title", (1,)),
        ("byline", (2,)),
        ("body", (3,)),
        ("body", (4, 5)),
        ("body", (6,)),
        ("body", (7,)),
    ]


def test_blank_line_separated_and_mixed():
    separated = "第一段讲了一件事。\n\n第二段讲了另一件事，\n\n并且接着说完。\n\n第三段。\n"
    blocks = segment(separated)
    check_invariants(separated, blocks)
    assert [block.lines for block in blocks] == [(1,), (3, 5), (7,)]
    mixed = (
        "第一段讲了一件事。\n第二段讲了另一件事，\n并且接着说完。\n\n\n第三段，说完。\n第四段。\n"
    )
    blocks = segment(mixed)
    check_invariants(mixed, blocks)
    assert [block.lines for block in blocks] == [(1,), (2, 3), (6,), (7,)]


def test_latin_pieces_are_joined_with_a_space():
    text = (
        "年度报告\n\n"
        "The annual report of the county police was written in\n\n"
        "English by the team of the archive.\n\n"
        "这份报告由档案馆的工作人员整理，收录了多个单位的材料，中文段落写到一半\n\n"
        "ABC公司的报告也在其中。\n"
    )
    blocks = segment(text)
    check_invariants(text, blocks)
    assert [block.lines for block in blocks] == [(1,), (3, 5), (7, 9)]
    assert blocks[1].text == (
        "The annual report of the county police was written in English by the team of the archive."
    )
    assert blocks[2].text.endswith("中文段落写到一半ABC公司的报告也在其中。")


def test_lines_are_stripped_of_surrounding_white_space():
    text = "   第一段，\u3000\n\n\t接着写完。  \n \n\u3000\n"
    blocks = segment(text)
    assert [(block.text, block.lines) for block in blocks] == [("第一段，接着写完。", (1, 3))]


def test_headings_titles_bylines_and_captions_are_never_joined():
    text = (
        "一个没有标点的标题\n\n"
        "记者 张三\n\n"
        "正文的第一段，讲了开头。\n\n"
        "小标题一\n\n"
        "正文的第二段，讲了经过。\n\n\n\n"
        "图为民警在巡逻\n\n"
        "结尾一段，讲了结果。\n"
    )
    blocks = segment(text)
    check_invariants(text, blocks)
    assert [block.kind for block in blocks] == [
        "title",
        "byline",
        "body",
        "heading",
        "body",
        "caption",
        "body",
    ]
    assert all(len(block.lines) == 1 for block in blocks)


def test_an_unclosed_quote_waits_for_its_closing_quote():
    assert continues("他说：“我们要", "继续努力。”大家鼓掌。")
    assert not continues("这些只是我市深化“放管", "安全、便利、舒适的生活环境是群众永恒的需求。")
    assert continues("努力把各级党组织锻造得", "更加坚强有力。")
    assert not continues("主要做法有", "★第一，加强领导。")
    assert not continues("会议指出", "株洲日报讯(记者/张三)近日，……")


def test_e_paper_navigation_and_datelines():
    text = (
        "版面导航\n\n"
        "2024年02月16日 星期五\n\n"
        "上一篇 下一篇\n\n"
        "平安建设见实效\n\n"
        "本报讯（记者 张三）近日，我市召开平安建设推进会。\n\n"
        "（本版图片均由市公安局提供）\n\n"
        "返回目录\n"
    )
    blocks = segment(text)
    check_invariants(text, blocks)
    assert [block.kind for block in blocks] == [
        "boilerplate",
        "dateline",
        "boilerplate",
        "title",
        "body",
        "credit",
        "boilerplate",
    ]
    assert {block.story for block in blocks} == {"平安建设见实效"}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("文/刘琼 邱宇松 殷根祥 供图/株洲市公安局", ["刘琼", "邱宇松", "殷根祥"]),
        ("记者 张三 通讯员 李四", ["张三", "李四"]),
        ("全媒体记者/沈全华 通讯员/付强", ["沈全华", "付强"]),
        ("市人民政府副市长、市公安局局长 唐文发", ["唐文发"]),
        ("本报记者 欧阳修远", ["欧阳修远"]),
        ("深化五大防控 织密派出所主防网络", None),
        ("千里邮寄锦旗 点赞民警", None),
        ("这是一句完整的话。", None),
    ],
)
def test_bylines(text, names):
    assert parse_byline(text) == names


def test_plain_list_of_names_only_where_a_byline_is_expected():
    assert parse_byline("戴鹏 周志军 李志亮 李慧娟") is None
    names = ["戴鹏", "周志军", "李志亮", "李慧娟"]
    assert parse_byline("戴鹏 周志军 李志亮 李慧娟", plain=True) == names
    assert parse_byline("交通问题顽瘴痼疾 集中整治", plain=True) is None


def test_empty_and_blank_text():
    assert segment("") == []
    assert segment("\n\n  \n\u3000\n") == []


def test_sixteen_megabytes_segment_whole():
    """Nothing lost on a large input (its speed is a figure of bench/quality.py, not a test)."""
    text = "\n".join(seed_text(doc_id) for doc_id in SEEDS)
    big = text * (16_000_000 // len(text.encode("utf-8")))
    blocks = segment(big)
    assert len(blocks) > 50_000
    assert sum(len(block.lines) for block in blocks) == sum(
        1 for line in big.split("\n") if line.strip()
    )


# ---------------------------------------------------------------- layout repair on evidence
# Every example below is made up for the test.


def blocks_of(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """Kinds and line numbers, after checking that nothing is lost or reordered."""
    blocks = segment(text)
    check_invariants(text, blocks)
    return kinds_and_lines(blocks)


def report(*lines: str) -> str:
    """A report with one blank line between its lines (line n of the list is line 2n-1)."""
    return "\n\n".join(lines) + "\n"


DAMAGE = "今年全县的道路都修好了。乡亲们出门，再也不用"  # a line cut after a sentence
DAMAGE_END = "走泥巴路了。"


def test_a_clean_report_keeps_its_unpunctuated_lines_apart():
    text = report(
        "县里举办农民运动会",
        "比赛项目丰富多彩",
        "运动会设了拔河、挑担和插秧三个项目，全县十个乡镇派队参加。",
        "一等奖 红旗乡代表队",
        "二等奖 东风乡代表队",
        "三等奖 向阳乡代表队",
        "县长说，明年还要再办",
    )
    assert [lines for _, lines in blocks_of(text)] == [(n,) for n in range(1, 14, 2)]


def test_damage_alone_lets_weak_evidence_join():
    weak = "运动会设了拔河、挑担、插秧、赛跑和登山五个项目，全县十个乡镇的代表队"
    clean = report("县里举办农民运动会", weak, "都派队参加了比赛。")
    assert blocks_of(clean)[1:] == [("body", (3,)), ("body", (5,))]
    damaged = report("县里举办农民运动会", DAMAGE, DAMAGE_END, weak, "都派队参加了比赛。")
    assert blocks_of(damaged)[1:] == [("body", (3, 5)), ("body", (7, 9))]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("运动会设了拔河、挑担和", "插秧三个项目。"),  # a connective at the end
        ("全县十个乡镇派出的队伍", "，个个精神饱满。"),  # punctuation at the start
        ("运动会开幕了。项目有拔河挑担", "插秧三项。"),  # a sentence, then half of one
        ("县长说：“今年的比赛", "很精彩。”"),  # a quotation closed below
    ],
)
def test_strong_evidence_joins_in_any_report(first, second):
    assert blocks_of(report("县里举办农民运动会", first, second))[1:] == [("body", (3, 5))]


def test_a_long_first_line_is_the_title():
    title = "县里举办第一届农民运动会 十个乡镇三百多名选手参加拔河挑担插秧比赛 县长到场致辞并颁奖"
    text = report(title, "运动会今天在县体育场开幕。")
    blocks = segment(text)
    assert [block.kind for block in blocks] == ["title", "body"]
    assert blocks[0].text == title


def test_the_title_below_a_date_line_and_a_page_label():
    text = report("2031年5月6日 星期二", "第03版：要闻", "县里举办农民运动会", "运动会今天开幕。")
    assert [kind for kind, _ in blocks_of(text)] == ["dateline", "boilerplate", "title", "body"]


def test_a_title_repeated_below_is_not_a_kicker():
    text = report(
        "2031年某县人民政府工作报告",
        "政府工作报告",
        "——2031年1月5日在某县第一届人民代表大会第一次会议上",
        "各位代表：现在，我代表县人民政府向大会报告工作。",
    )
    blocks = segment(text)
    assert blocks[0].kind == "title"
    assert blocks[0].text == "2031年某县人民政府工作报告"
    assert blocks[1].kind != "kicker"


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("民警在路口指挥交通。 王小明摄", "caption"),
        ("市民在公園散步。（資料圖片）", "caption"),
        ("義工在街頭派發口罩。網上截圖", "caption"),
        ("路人拍下的事故现场。照片来源：某某网站", "caption"),
        ("新建的社区图书馆。取自某某图书馆的社交账号", "caption"),
        ("三成家庭用上了宽带。资料来源：某某调查报告", "caption"),
        ("圖為村民在田間插秧。", "caption"),
        ("記者 陳小明 攝", "credit"),
        ("新华社记者 赵小六 摄", "credit"),
        ("责任编辑：李小四", "credit"),
        ("作者：张小三  时间：2031-12-20", "byline"),
        ("时间：2031-12-20", "dateline"),
        ("（下转第二版）", "boilerplate"),
        ("上接第1版", "boilerplate"),
        ("（下轉A2版）", "boilerplate"),
        ("（完）", "boilerplate"),
        ("一、总体要求和工作重点", "heading"),
        ("（二）加强组织领导", "heading"),
        ("第一，全党动员，大办水利", "heading"),
    ],
)
def test_lines_that_say_what_they_are(line, kind):
    text = report("县里举办农民运动会", "运动会今天在县体育场开幕。", line, "比赛持续了三天。")
    assert blocks_of(text)[2] == (kind, (5,))


@pytest.mark.parametrize(
    "inserted",
    ["（下转第二版）", "上接第1版", "2031年5月6日 星期二", "第A03版 综合新闻", "▲村民在田间插秧"],
)
def test_a_break_is_repaired_across_a_line_printed_inside_it(inserted):
    text = report("县里举办农民运动会", "运动会设了拔河、挑担和", inserted, "插秧三个项目。")
    assert blocks_of(text)[1:] == [("body", (3, 7)), (blocks_of(text)[2][0], (5,))]
    assert blocks_of(text)[2][0] != "body"


def test_numbered_headings_and_list_items_are_never_joined():
    text = report(
        DAMAGE,
        DAMAGE_END,
        "一、总体要求和工作重点",
        "今年要把全县的路修好。",
        "6月9日：县里召开了动员会",
        "6月10日：各乡镇开始施工",
        "- 修好通村公路，建好乡村客运站，让村民出行更方便",
        "- 办好农村物流，让山里的货卖得出去。",
    )
    assert [lines for _, lines in blocks_of(text)] == [(1, 3), *((n,) for n in range(5, 16, 2))]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("个案一：东风乡的病人，发病十天后才确诊", "红旗乡昨天也报告了一个病例。"),
        ("[1] 见某某著《山区公路史》，某某出版社，第3页", "[2] 见某某著《乡村客运》，第5页。"),
        ("村民 王小五：这条路修好了，我们出门方便多了", "村民 赵小六：以前下雨天都出不了门。"),
        # ``…入场`` + ``面积…`` make ``场面`` only out of context: a headline, then its story
        ("县图书馆今天开馆 市民排队入场", "面积三千平方米的新馆今天开放，每天开放十个小时。"),
    ],
    ids=["a labelled line is whole", "numbered notes", "speakers' lines", "a word out of context"],
)
def test_lines_after_damage_that_stay_apart(first, second):
    text = report(DAMAGE, DAMAGE_END, first, second)
    assert [lines for _, lines in blocks_of(text)] == [(1, 3), (5,), (7,)]


def test_indented_paragraphs_show_where_a_line_continues():
    text = (
        "县里举办农民运动会\n\n"
        "\u3000\u3000运动会设了拔河、挑担、插秧和赛跑四个项目，全县十个乡镇都派了代表队参加。\n\n"
        "\u3000\u3000比赛持续三天\n\n"
        "\u3000\u3000三天里，选手们赛出了风格，赛出了水平，看台上的观众们也看得非常开心。\n\n"
        "\u3000\u3000县长今天在\n\n"
        "体育场为获奖的代表队颁奖。\n\n"
        "\u3000\u3000颁奖以后，十个代表队的选手们在体育场一起合影留念，相约明年再来这里比赛。\n"
    )
    assert blocks_of(text)[1:] == [
        ("body", (3,)),
        ("heading", (5,)),
        ("body", (7,)),
        ("body", (9, 11)),
        ("body", (13,)),
    ]


def test_a_word_cut_in_two_joins_only_in_a_damaged_report():
    cut = ("县交通局今天召开安全工作会", "议部署春运工作。")
    assert blocks_of(report("春运工作", *cut))[1:] == [("heading", (3,)), ("body", (5,))]
    damaged = report("春运工作", DAMAGE, DAMAGE_END, *cut)
    assert blocks_of(damaged)[-1] == ("body", (7, 9))


def test_a_news_opening_is_never_a_heading():
    text = report("县里举办农民运动会", "本台消息（晚间新闻）：县长今", "天到体育场为选手颁奖。")
    assert blocks_of(text)[1:] == [("body", (3, 5))]


def test_verse_lines_ending_with_commas_stay_apart():
    verse = ("山上的路，", "弯又长，", "走过春，", "走过秋，", "走到家门口。")
    assert [lines for _, lines in blocks_of(report("山路", *verse))] == [
        (n,) for n in range(1, 12, 2)
    ]


def test_a_heading_that_the_paragraph_repeats_is_not_joined():
    text = report(
        "县里举办农民运动会",
        DAMAGE,
        DAMAGE_END,
        "路修好了，乡亲们笑开了花，老人们也笑了",
        "路修好了，乡亲们笑开了花，老人们也笑了，一位村干部说。",
    )
    assert [lines for _, lines in blocks_of(text)][-2:] == [(7,), (9,)]


def test_latin_verse_lines_ending_with_commas_stay_apart():
    text = report(
        "Songs", DAMAGE, DAMAGE_END, "We walk along the river,", "And sing into the night."
    )
    assert [lines for _, lines in blocks_of(text)][-2:] == [(7,), (9,)]


# ---------------------------------------------------------------- before a page break or a photo

SHORT_HALF = "县里今天在体育场举办农民运"  # no punctuation: a heading, or half a line
SECOND_HALF = "动会，比赛项目有拔河和挑担。"


def test_a_short_line_alone_stays_a_heading():
    text = report("农民运动会", "县里今天在体育场举办农民运动会", "比赛项目有拔河和挑担。")
    assert blocks_of(text)[1:] == [("heading", (3,)), ("body", (5,))]


@pytest.mark.parametrize(
    "page_break", ["（下转第二版）", "上接第1版", "第A03版 综合新闻", "2031年5月6日 星期二"]
)
def test_a_short_line_before_a_page_break_is_half_a_paragraph(page_break):
    """Headings are kept with their text, never left at the foot of a page."""
    text = report("农民运动会", SHORT_HALF, page_break, SECOND_HALF)
    assert blocks_of(text)[1] == ("body", (3, 7))
    assert blocks_of(text)[2][1] == (5,)


def test_a_numbered_heading_cut_by_a_page_break_is_joined_and_ends_there():
    text = report(
        "农民运动会",
        DAMAGE,
        DAMAGE_END,
        "（二）加强组织领导，办好全县农民",
        "（下转第二版）",
        "运动会的各项比赛，做好安全保障工作",
        "今年的运动会设了拔河、挑担、插秧、赛跑和登山五个项目，全县的",
        "十个乡镇都派了代表队参加。",
    )
    assert [lines for _, lines in blocks_of(text)][2:] == [(7, 11), (9,), (13, 15)]


def test_a_numbered_heading_continued_by_punctuation_is_joined():
    text = report("农民运动会", "第一，全县动员，办好今年的农民运动会", "。比赛设了五个项目。")
    assert blocks_of(text)[1:] == [("body", (3, 5))]


@pytest.mark.parametrize("photo", ["▲村民在田间插秧", "圖為村民在田間插秧", "记者 王小五 摄"])
def test_a_short_line_before_a_photo_is_half_a_paragraph(photo):
    text = report("农民运动会", SHORT_HALF, photo, SECOND_HALF)
    assert blocks_of(text)[1] == ("body", (3, 7))
    assert blocks_of(text)[2][1] == (5,)


@pytest.mark.parametrize(
    ("first", "photo"),
    [
        (SHORT_HALF, "村民在田间插秧。 记者 王小五 摄"),  # may be the caption's second half
        ("比赛开幕 选手入场", "▲村民在田间插秧"),  # the two-phrase heading form
    ],
)
def test_a_short_line_before_a_photo_stays_apart_without_evidence(first, photo):
    text = report("农民运动会", first, photo, SECOND_HALF)
    assert [lines for _, lines in blocks_of(text)][1:] == [(3,), (5,), (7,)]


# ---------------------------------------------------------------- more evidence, either way


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("会议确定，明年全县的主要措", "施包括：修好公路。"),
        (
            "县委书记张小三，县委副书记、县长李小四，县委副书记王小五，县委常委、副县长赵小六，县委常委钱小七出",
            "席会议。县委书记张小三，县长李小四讲话。",
        ),
        (
            "出席会议的有：县人大常委会、县政协、县人武部、县法院、县检察院和县纪委",
            "员会的负责同志，各乡镇的代表。",
        ),
    ],
    ids=[
        "a speaker's label that ends a cut word",
        "a long line's opening repeated",
        "a labelled line cut in a word",
    ],
)
def test_a_cut_line_is_joined_despite_a_label_or_repeated_words(first, second):
    text = report(DAMAGE, DAMAGE_END, first, second)
    assert [lines for _, lines in blocks_of(text)] == [(1, 3), (5, 7)]


def test_an_indented_numbered_heading_continued_unindented_is_joined():
    long = "\u3000\u3000今年全县的财政收入稳定增长，各项民生支出都得到了保障，群众很满意。"
    text = "\n\n".join(
        [
            long,
            long,
            long,
            "\u3000\u3000第一，全县的分配关系要用制度固定下来，使县",
            "财政收入稳定增长；",
        ]
    )
    assert [lines for _, lines in blocks_of(text + "\n")][-1] == (7, 9)


def test_comma_ended_halves_of_long_paragraphs_are_no_verse():
    long_half = "通了八个村，家家户户出门都方便了，村里的货也卖得出去了，大家都很高兴。"
    halves = [line for n in range(4) for line in (f"第{n + 1}年修了三条路，", long_half)]
    text = report(DAMAGE, DAMAGE_END, *halves)
    assert [lines for _, lines in blocks_of(text)][1:] == [(5, 7), (9, 11), (13, 15), (17, 19)]


@pytest.mark.parametrize(
    "line",
    [
        "民警在路口指挥交通。某某日报",
        "市民在公園散步。《某某報》",
        "新建的社区图书馆。某某图书馆官网",
        "县长在会上讲话。某某县政府网站",
        "村民在田間插秧。某某村Facebook",
        "村民在田间插秧。Photo by 王小明",
    ],
)
def test_captions_credited_to_their_source(line):
    text = report("县里举办农民运动会", "运动会今天在县体育场开幕。", line, "比赛持续了三天。")
    assert blocks_of(text)[2] == ("caption", (5,))


def test_table_rows_are_never_joined():
    rows = (
        "| 公路 | 今年修了三条公路，明年还要再修五条，后年修完全部村道 |",
        "| 学校 | 今年建了一所，明年再建两所，让孩子们都能就近上学 |",
    )
    text = report(DAMAGE, DAMAGE_END, *rows)
    assert [lines for _, lines in blocks_of(text)] == [(1, 3), (5,), (7,)]


def test_paragraphs_that_end_without_punctuation_as_a_style_are_not_joined():
    openings = (
        "今天我去了市场",
        "昨天下了大雨",
        "村里修了新路",
        "学校放假了",
        "老人们很高兴",
        "明年还要办",
    )
    lines = [
        f"{opening}。我觉得这件事情要慢慢来，大家要一起想办法，不要着急，也不要放弃"
        for opening in openings
    ]
    assert [lines for _, lines in blocks_of(report(*lines))] == [(n,) for n in range(1, 12, 2)]


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("The county police said that the old mountain road was clo", "sed for two days.", True),
        (
            "The county police said that the old mountain road was closed",
            "Residents stayed home.",
            False,
        ),
        ("He said the report was written in", "English by the archive team.", True),
    ],
)
def test_latin_lines_go_on_in_lower_case(first, second, joined):
    text = report(DAMAGE, DAMAGE_END, first, second)
    assert ((5, 7) in [lines for _, lines in blocks_of(text)]) is joined


@pytest.mark.parametrize(
    ("first", "caption"),
    [
        ("民警在路口向群众介绍防诈骗知识", "，提醒大家提高警惕。记者 王小五 摄"),  # punctuation
        ("民警在路口向群众介绍防诈骗知", "识。记者 王小五 摄"),  # a word cut in two
        ("民警在路口向群众介绍“防诈", "骗知识”。记者 王小五 摄"),  # a quotation closed
        ("民警在路口向群众介绍防诈骗知识", "也提醒大家提高警惕。记者 王小五 摄"),  # an adverb
    ],
)
def test_a_caption_cut_in_two_is_one_caption(first, caption):
    text = report(DAMAGE, DAMAGE_END, first, caption, "比赛持续了三天，选手们都很认真。")
    assert blocks_of(text)[1:] == [("caption", (5, 7)), ("body", (9,))]


@pytest.mark.parametrize(
    "caption",
    ["村民在田间插秧。 记者 王小五 摄", "曾小明在田间插秧。 记者 王小五 摄"],  # 曾: a surname
)
def test_a_short_line_above_a_whole_caption_is_not_its_first_half(caption):
    text = report(DAMAGE, DAMAGE_END, "民警在路口向群众介绍防诈骗知识", caption)
    assert [lines for _, lines in blocks_of(text)][1:] == [(5,), (7,)]


@pytest.mark.parametrize(
    "line",
    [
        "明年的运动会我们还会再来的，还要多带几个队员来，他一边收拾行李一边笑着说⋯⋯",
        "明年的运动会我们还会再来的，还要多带几个队员来，他一边收拾行李一边笑着说。 *(甲)*",
    ],
)
def test_ellipsis_and_emphasised_notes_end_a_paragraph(line):
    text = report(DAMAGE, DAMAGE_END, line, "大家听了都笑了。")
    assert [lines for _, lines in blocks_of(text)] == [(1, 3), (5,), (7,)]


def test_a_title_may_end_with_an_ellipsis():
    text = report("追求真相，目的是⋯⋯", "运动会今天在县体育场开幕。")
    assert blocks_of(text)[0] == ("title", (1,))


@pytest.mark.parametrize(
    ("second", "joined"),
    [("与会议代表一起参观了新修的公路。", True), ("与此同时，县里还修好了两座桥。", False)],
)
def test_a_connective_opens_a_line_only_as_part_of_a_word(second, joined):
    text = report("县里举办农民运动会", "县长今天带领全县的乡镇干部", second)
    assert ((3, 5) in [lines for _, lines in blocks_of(text)]) is joined


@pytest.mark.parametrize(
    ("second", "joined"), [("前，等着看戏。", True), ("是，大家都来了。", False)]
)
def test_a_one_character_clause_continues_the_line_above(second, joined):
    text = report("县里举办农民运动会", "老人们早早坐在祠堂的大门", second)
    assert ((3, 5) in [lines for _, lines in blocks_of(text)]) is joined


def test_parallel_headings_that_open_alike_are_not_joined():
    headings = [
        f"五年来，{topic}，取得了新的进展"
        for topic in ("农业稳步发展", "工业加快转型", "民生持续改善")
    ]
    body = "全县上下共同努力，各项工作都有了新的起色，群众的获得感不断增强。"
    text = report(DAMAGE, DAMAGE_END, *(line for heading in headings for line in (heading, body)))
    assert [lines for _, lines in blocks_of(text)][1:] == [(n,) for n in range(5, 16, 2)]


def test_a_bracket_closed_before_a_colon_is_no_speakers_label():
    text = report("县里举办农民运动会", "本台消息（晚间", "新闻）：运动会今天在县体育场开幕。")
    assert blocks_of(text)[1:] == [("body", (3, 5))]


def test_a_short_line_after_a_connective_is_no_heading():
    text = report(
        "县里举办农民运动会",
        "这次运动会由县体育局、县农业局和",
        "县总工会联合举办",
        "比赛持续三天。",
    )
    assert [lines for _, lines in blocks_of(text)][1:] == [(3, 5), (7,)]


@pytest.mark.parametrize(
    ("first", "between", "second"),
    [
        ("（二）加快全县交通基础设施建", None, "设步伐和农村公路提档升级"),  # a numbered heading
        ("全县中小学生运动会今天开", "▲运动员在比赛中", "幕 三千名学生参加"),  # across a photo
    ],
)
def test_a_heading_cut_inside_a_word_is_joined_in_a_damaged_report(first, between, second):
    lines = [first, between, second] if between else [first, second]
    text = report(DAMAGE, DAMAGE_END, *lines, "比赛持续三天。")
    joined = (5, 9) if between else (5, 7)
    assert joined in [lines for _, lines in blocks_of(text)]


@pytest.mark.parametrize(
    ("second", "joined"),
    [("大家听了都很高兴，鼓起掌来。", False), ("，大家听了都鼓起掌来。", True)],
)
def test_a_line_closing_its_own_quotation_ends_its_paragraph(second, joined):
    first = "县长在会上说，“明年还要再办一届运动会，项目还要更多”"
    text = report(DAMAGE, DAMAGE_END, first, second)
    assert ((5, 7) in [lines for _, lines in blocks_of(text)]) is joined


def test_weak_evidence_needs_a_second_half_that_ends_its_paragraph():
    first = "运动会设了拔河、挑担、插秧、赛跑和登山五个项目，全县十个乡镇的代表队"
    ended = report(DAMAGE, DAMAGE_END, first, "都派队参加了比赛。")
    assert (5, 7) in [lines for _, lines in blocks_of(ended)]
    unended = report(DAMAGE, DAMAGE_END, first, "比赛分三天，每天两场，共六场")
    assert (5, 7) not in [lines for _, lines in blocks_of(unended)]


def test_a_headline_with_phrases_set_apart_by_wide_spaces_is_not_joined():
    second = "选举事务处今天公布了新的安排，请选民留意。"
    spaced = "区议会选举因天气原因延期　全体候选人须在下个月重新报名参选，投票日改在明年"
    text = report(DAMAGE, DAMAGE_END, spaced, second)
    assert (5, 7) not in [lines for _, lines in blocks_of(text)]
    plain = spaced.replace("\u3000", "，")
    assert (5, 7) in [lines for _, lines in blocks_of(report(DAMAGE, DAMAGE_END, plain, second))]


WEAK = "运动会设了拔河、挑担、插秧、赛跑和登山五个项目，全县十个乡镇的代表队"
WEAK_END = "都派队参加了比赛。"
CUT_IN_WORDS = (
    ("全县中小学生运动会今天开", "幕三千名学生参加比赛。"),
    ("县体育馆今天对外开", "放市民可以免费参观。"),
)


@pytest.mark.parametrize(
    ("proof", "joined"),
    [
        (("县长今天带领全县的乡镇干部", "，参观了新修的公路。"), True),  # punctuation first
        (("县长今天带领全县的乡镇干部", "参观了新修的公路。"), False),
        # a long line cut inside a word
        (
            (
                "县里今年新修的农村公路一共有三百多公里长，而且全部都已经通到了每一个行政",
                "村的村口。",
            ),
            True,
        ),
        (CUT_IN_WORDS[0] + CUT_IN_WORDS[1], True),  # two short lines cut inside words
        (CUT_IN_WORDS[0], False),  # one may be a headline over its story
    ],
    ids=["punctuation", "no proof", "long line", "two short lines", "one short line"],
)
def test_lines_cut_elsewhere_prove_a_report_damaged(proof, joined):
    text = report("县里举办农民运动会", *proof, WEAK, WEAK_END)
    weak = 2 * len(proof) + 3
    assert ((weak, weak + 2) in [lines for _, lines in blocks_of(text)]) is joined


@pytest.mark.parametrize(
    ("second", "joined"), [("ad to the hills.", True), ("Residents walk it every day.", False)]
)
def test_a_short_latin_line_goes_on_in_lower_case(second, joined):
    text = report("县里举办农民运动会", "Villagers call it the Old Ro", second)
    assert ((3, 5) in [lines for _, lines in blocks_of(text)]) is joined


@pytest.mark.parametrize(
    ("first", "second", "joined"),
    [
        ("村里新修的灌溉", "渠今天正式通水，三百亩稻田都能浇上水了。", True),  # 灌溉渠: a rare word
        ("村里新修的污水", "池今天投入使用，全村的生活污水不再直排。", False),  # 污水池: the rarest
    ],
)
def test_a_short_line_cut_inside_a_word_jieba_knows(first, second, joined):
    text = report(DAMAGE, DAMAGE_END, first, second)
    assert ((5, 7) in [lines for _, lines in blocks_of(text)]) is joined
