"""The archive's analysis written for OpenSearch: an index template and bulk NDJSON.

An archive that outgrows one machine moves to OpenSearch (see ``docs/scaling.md``). OpenSearch
has neither jieba nor our folding, so both are applied here, at export time:

- ``folded``: the block's folded text (``folding.fold``), analysed by a character 1-2-gram
  tokenizer; a ``match_phrase`` on it is the exact-substring match our n-gram tables give;
- ``words``: the folded text's jieba words joined by spaces, analysed by the whitespace
  tokenizer, ranked by BM25 with weak length normalisation (b = 0.1, as ``search`` ranks);
- keyword fields for facets and filters, the permalink id, fingerprint and stored text.

Queries must be folded with the same ``fold`` before they are sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from . import analysis
from .folding import fold

INDEX_NAME = "archivist-blocks"
BM25_B = 0.1  # the weak length normalisation search.rank uses

KEYWORDS = ("id", "doc_id", "kind", "fp", "city", "county", "date", "story", "places")


def index_template(index_pattern: str = INDEX_NAME + "*") -> dict:
    """The composable index template: analysis settings and the mapping of a block."""
    properties: dict[str, dict] = {name: {"type": "keyword"} for name in KEYWORDS}
    properties |= {
        "n": {"type": "integer"},
        "year": {"type": "short"},
        "year_inferred": {"type": "boolean"},
        "title": {"type": "text", "analyzer": "char_grams", "fields": {"raw": {"type": "keyword"}}},
        "text": {"type": "text", "index": False},
        "folded": {"type": "text", "analyzer": "char_grams", "similarity": "weak_length"},
        "words": {
            "type": "text",
            "analyzer": "pre_segmented",
            "similarity": "weak_length",
            "index_options": "freqs",  # ranking only: phrases are matched on ``folded``
        },
        "provenance": {"type": "object", "enabled": False},
    }
    return {
        "index_patterns": [index_pattern],
        "template": {
            "settings": {
                "index": {"max_ngram_diff": 1},
                "analysis": {
                    "tokenizer": {
                        "char_grams": {"type": "ngram", "min_gram": 1, "max_gram": 2},
                    },
                    "analyzer": {
                        "char_grams": {"type": "custom", "tokenizer": "char_grams"},
                        "pre_segmented": {"type": "custom", "tokenizer": "whitespace"},
                    },
                },
                "similarity": {"weak_length": {"type": "BM25", "k1": 1.2, "b": BM25_B}},
            },
            # Fields the archive adds later stay in _source without being indexed.
            "mappings": {"dynamic": False, "properties": properties},
        },
    }


def search_fields(record: dict) -> dict:
    """An export record with the folded text and its pre-segmented jieba words added."""
    folded = fold(record.get("text", ""))
    return record | {
        "year": _year(record.get("year")),
        "folded": folded,
        "words": " ".join(analysis.cut(folded)),
    }


def _year(value: object) -> int | None:
    """A four-digit year as a number; anything else (unknown) as null."""
    text = str(value or "")
    return int(text) if len(text) == 4 and text.isascii() and text.isdigit() else None


def bulk_lines(records: Iterable[dict], index: str = INDEX_NAME) -> Iterator[str]:
    """The bulk API's NDJSON: an ``index`` action, then the block, for every record."""
    for record in records:
        action = {"index": {"_index": index, "_id": record["id"]}}
        yield json.dumps(action, ensure_ascii=False)
        yield json.dumps(search_fields(record), ensure_ascii=False)
