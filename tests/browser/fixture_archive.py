"""A small made-up archive for the browser tests: three cities, six years, one catalogue.

The reports are invented; the catalogue sets each report's city, county and date, so the facet
tests do not depend on what the gazetteer finds in the text.
"""

from __future__ import annotations

import csv
from pathlib import Path

CATALOGUE_HEADER = ("file", "title", "source", "date", "city", "county", "authors", "url")

REPORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "zz/2019-chaling.txt": (
        (
            "茶陵交警守护道路交通安全",
            "株洲日报",
            "2019-10-08",
            "株洲市",
            "茶陵县",
            "戴鹏;周志军",
            "",
        ),
        """茶陵交警守护道路交通安全

——茶陵县公安局交警大队工作纪实

戴鹏 周志军

清晨六点，云阳山下的国道上已经有交警的身影。茶陵县公安局交警大队把道路交通安全作为全年工作的重点，民警每天分三班巡逻。

今年以来，大队排查道路交通隐患一百二十余处，整改率达到百分之九十八。

在学校门口，民警为孩子们讲解交通规则。“铁骑护学”已经坚持了三年。

大队还与乡镇合作，在农村路口设立劝导站，由村干部担任劝导员，守住道路交通安全的“最后一公里”。

冬季雨雪天气多，民警在山区路段设置警示标志，提醒过往车辆减速慢行。

一年来，全县道路交通事故起数同比下降百分之十五，群众安全感明显提升。

交警在国道上指挥交通。
""",
    ),
    "zz/2021-hetang.txt": (
        ("荷塘区推进基层社会治理", "株洲日报", "2021-05-12", "株洲市", "荷塘区", "罗毅", ""),
        """荷塘区推进基层社会治理

罗毅

荷塘区把网格化管理延伸到每一个小区，社区民警、网格员和志愿者组成一支队伍。

遇到邻里纠纷，网格员第一时间上门调解，矛盾不出社区。

区公安分局还在主要路口增设电子警察，改善道路交通秩序。
""",
    ),
    "yz/2020-lengshuitan.txt": (
        ("冷水滩“铁骑护学”启动", "永州日报", "2020-11-22", "永州市", "冷水滩区", "李寒露", ""),
        """冷水滩“铁骑护学”启动

李寒露

11月22日，永州市冷水滩区交警大队院内，“铁骑护学”行动正式启动。

民警骑着摩托车在上学、放学时段巡逻学校周边，维护道路交通秩序。

家长们说，有了铁骑，孩子上学路上更安心了。

行动将持续到明年夏天，覆盖城区所有中小学校，守护学生的道路交通安全。
""",
    ),
    "yz/2022-qiyang.txt": (
        ("祁阳旅发大会安保纪实", "永州日报", "2022-12-06", "永州市", "祁阳市", "陈卫林", ""),
        """祁阳旅发大会安保纪实

陈卫林

12月6日至7日，永州旅游发展大会在祁阳举行。本次活动规模大、线路长、人员多，安保难度大。

公安机关精心组织部署，全面细化安保任务，道路交通保障方案细化到每一个路口。

大会期间，全市没有发生一起安全事故。
""",
    ),
    "cs/2023-tianxin.txt": (
        ("天心区打造平安街区", "长沙晚报", "2023-03-15", "长沙市", "天心区", "唐文发", ""),
        """天心区打造平安街区

唐文发

天心区公安分局在老街区推行“警务+网格”模式，巡逻警力下沉到街巷。

分局联合城管部门整治占道经营，道路交通秩序明显好转。

街区夜间治安警情同比下降三成，道路交通事故也随之减少。
""",
    ),
    "yz/2024-jianghua.txt": (
        ("江华盘王节平安护航", "永州日报", "2024-01-10", "永州市", "", "", ""),
        """江华盘王节平安护航

盘王节期间，江华瑶族自治县公安局抽调警力六百余人，确保节会平安。

交警部门提前发布出行提示，引导群众错峰出行，保障道路交通畅通。
""",
    ),
    "zz/2024-liling.txt": (
        ("醴陵警方护航瓷博会", "株洲日报", "2024-06-01", "株洲市", "醴陵市", "谭杰", ""),
        """醴陵警方护航瓷博会

谭杰

第六届中国醴陵国际陶瓷博览会开幕，醴陵市公安局启动一级安保勤务。

展馆周边实行交通管制，民警全天疏导道路交通。
""",
    ),
}


def write_archive(root: Path) -> Path:
    """Write the reports and their catalogue into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "catalog.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CATALOGUE_HEADER)
        for name, (row, text) in REPORTS.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            writer.writerow((name, *row))
    return root
