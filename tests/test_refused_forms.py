"""A refused research request (a 400) gives back its form with what was typed and names each
bad parameter; the API answers the same problem as JSON."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlencode


class Form(HTMLParser):
    """The inputs of the page's own form (``action`` its path) and the text of its error box."""

    def __init__(self, html: str, action: str) -> None:
        super().__init__()
        self.inputs: list[dict[str, str]] = []
        self.error = ""
        self._action = action
        self._in_form = False
        self._error_depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = attributes.get("action") == self._action
        if tag == "input" and self._in_form:
            self.inputs.append(attributes)
        if self._error_depth or attributes.get("id") == "form-error":
            self._error_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if self._error_depth and tag not in ("input",):
            self._error_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._error_depth:
            self.error += data

    def values(self, name: str, kind: str | None = None) -> list[str]:
        return [
            i.get("value", "")
            for i in self.inputs
            if i.get("name") == name and (kind is None or i.get("type") == kind)
        ]


def get(client, path: str, pairs: list[tuple[str, str]]):
    return client.get(path + "?" + urlencode(pairs))


def test_a_term_with_nothing_to_search_gives_back_every_typed_term(client):
    pairs = [("q", '""'), ("q", '<b x="1">公安</b>'), ("city", "株洲市")]
    response = get(client, "/trends", pairs)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    form = Form(html, "/trends")
    assert form.values("q", "search")[:2] == ['""', '<b x="1">公安</b>']
    assert "<b x=" not in html  # escaped
    assert form.values("city", "hidden") == ["株洲市"]  # a good filter is kept
    assert "q" in form.error and "没有可检索的文字" in form.error


def test_more_than_six_terms_are_all_given_back_with_the_limit_named(client):
    terms = [f"词{k}" for k in range(7)]
    response = get(client, "/trends", [("q", t) for t in terms] + [("measure", "count")])
    assert response.status_code == 400
    form = Form(response.get_data(as_text=True), "/trends")
    assert form.values("q", "search") == terms  # seven boxes: one to empty
    assert form.values("measure", "hidden") == ["count"]
    assert "最多比较 6 个" in form.error and "7" in form.error


def test_every_bad_parameter_is_named_and_dropped_from_the_form(client):
    pairs = [("q", "OR"), ("year", "x"), ("measure", "zz"), ("county", "攸县")]
    response = get(client, "/trends", pairs)
    assert response.status_code == 400
    form = Form(response.get_data(as_text=True), "/trends")
    assert form.values("q", "search")[0] == "OR"
    for name in ("q", "year", "measure"):
        assert name in form.error
        assert name == "q" or not form.values(name)  # a bad filter is not carried along
    assert form.values("county", "hidden") == ["攸县"]


def test_the_api_answers_the_same_problem_as_json(client):
    response = get(client, "/api/trends", [("q", '""'), ("q", "公安")])
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "q"


def test_a_refused_export_shows_the_form_with_its_terms(client):
    response = get(client, "/trends.csv", [("q", "公安"), ("year", "二〇二三")])
    assert response.status_code == 400 and response.mimetype == "text/html"
    form = Form(response.get_data(as_text=True), "/trends")
    assert form.values("q", "search")[0] == "公安" and "year" in form.error


def test_a_refused_concordance_gives_back_its_query_and_filters(client):
    pairs = [("q", "公安<i>"), ("width", "999"), ("year", "2023"), ("sort", "right")]
    response = get(client, "/kwic", pairs)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    form = Form(html, "/kwic")
    assert form.values("q", "search") == ["公安<i>"] and "公安<i>" not in html
    assert "width" in form.error and "4 到 80" in form.error
    assert form.values("year", "hidden") == ["2023"]
    assert form.values("sort", "hidden") == ["right"]
    assert not form.values("width")
