"""qa.render and qa.render_policy: escaping, highlight offsets, the not-covered banner, links and the policy view."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.types import Answer, Clause, Expanded, Hit, Policy, Section
from qa.web import policy_view as render_policy
from qa.web import render

INJECTION = "<img src=x onerror=alert(1)>"


def make_hit(policy: Policy, clause_id: str, sentence: str, *, rank: int = 1, score: float = 0.62, **extra) -> Hit:
    """A Hit for a real clause of the shipped policy, its sentence located in the clause text."""
    clause = policy.clause(clause_id)
    start = clause.text.index(sentence)
    return Hit(
        rank=rank,
        clause_id=clause.id,
        section=clause.section,
        section_title=clause.section_title,
        clause=clause.number,
        citation=clause.citation,
        text=clause.text,
        sentence=sentence,
        sentence_start=start,
        sentence_end=start + len(sentence),
        score=score,
        **{"scores": {"dense": score}, **extra},
    )


def visible_text(fragment: str) -> str:
    """What a browser shows for our markup: tags dropped, <br> as newline, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


@pytest.fixture
def c6(policy: Policy) -> Hit:
    return make_hit(policy, "C.6", "We may share your Account Information with banks or vendors")


# --- highlight -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("one two three", 4, 7, 'one <mark class="pqa-mark">two</mark> three'),
        ("a<b c", 2, 3, 'a&lt;<mark class="pqa-mark">b</mark> c'),
        ("x & <y>", 0, 7, '<mark class="pqa-mark">x &amp; &lt;y&gt;</mark>'),
        ("line one\nline two", 9, 17, 'line one<br><mark class="pqa-mark">line two</mark>'),
        ("“unicode” ¶ é", 0, 9, '<mark class="pqa-mark">“unicode”</mark> ¶ é'),
        ("no span", 3, 3, "no span"),
        ("bad offsets", 5, 99, "bad offsets"),
        ("negative", -1, 3, "negative"),
        ("", 0, 0, ""),
    ],
)
def test_highlight_marks_exactly_the_span_and_escapes_every_piece(text, start, end, expected):
    assert render.highlight(text, start, end) == expected


@settings(database=None)  # write nothing outside tmp
@given(st.text(max_size=60), st.integers(-5, 70), st.integers(-5, 70))
def test_highlight_shows_the_text_unchanged(text, start, end):
    shown = render.highlight(text, start, end)
    assert visible_text(shown) == text
    marked = re.findall(r'<mark class="pqa-mark">(.*?)</mark>', shown, re.S)
    if 0 <= start < end <= len(text):
        assert [visible_text(m) for m in marked] == [text[start:end]]
    else:
        assert marked == []


# --- relevance -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "label", "level"),
    [
        (0.95, "strong match", 3),
        (render.STRONG_MATCH, "strong match", 3),
        (render.STRONG_MATCH - 0.001, "good match", 2),
        (render.GOOD_MATCH, "good match", 2),
        (render.GOOD_MATCH - 0.001, "weak match", 1),
        (-0.2, "weak match", 1),
    ],
)
def test_relevance_words_and_bars(score, label, level):
    assert render.relevance(score) == render.Relevance(label, level)


def test_relevance_uses_the_dense_similarity_when_the_score_is_fused(policy):
    hit = make_hit(policy, "C.6", "We may share", score=0.016, scores={"dense": 0.7, "bm25": 3.2})
    html_ = render.relevance_html(hit)
    assert "strong match" in html_ and 'title="similarity 0.70"' in html_
    assert html_.count('class="on"') == 3


# --- one hit, one answer -------------------------------------------------------------------------


def test_hit_shows_citation_link_relevance_and_marked_sentence(policy, c6):
    shown = render.hit_html(c6, policy=policy)
    assert (
        '<a class="pqa-cite" href="#clause-C.6" data-clause="C.6" title="Open C.6 in the policy">'
        "§C.6 Disclosure of Personal Data</a>"
    ) in shown
    assert '<mark class="pqa-mark">We may share your Account Information with banks or vendors</mark>' in shown
    assert "strong match" in shown
    assert visible_text(shown).count(c6.text) == 1


def test_covered_answer_lists_hits_best_first_without_banner(policy, c6):
    c4 = make_hit(policy, "C.4", "Any Personal Data supplied by you", rank=2, score=0.5)
    shown = render.answer_html(Answer("Who can see my bank details?", True, (c6, c4)), policy=policy)
    assert render.NOT_COVERED not in shown and "pqa-closest" not in shown
    assert shown.index("#clause-C.6") < shown.index("#clause-C.4")
    assert "good match" in shown


def test_not_covered_answer_has_banner_and_marks_the_closest_clauses(policy, c6):
    weak = make_hit(policy, "C.6", c6.sentence, score=0.2)
    shown = render.answer_html(Answer("Do you sell cars?", False, (weak,)), policy=policy)
    assert shown.index(render.NOT_COVERED) < shown.index("Closest clauses") < shown.index("#clause-C.6")
    assert 'class="pqa-hit pqa-closest"' in shown
    assert "weak match" in shown


def test_not_covered_banner_gives_the_reason_escaped(policy, c6):
    shown = render.answer_html(Answer("How long?", False, (c6,), "None <states> a period."), policy=policy)
    banner = shown[shown.index('class="pqa-banner"') : shown.index("</p>")]
    assert "None &lt;states&gt; a period." in banner and "<states>" not in shown


def test_words_the_search_added_are_noted_after_the_clauses_escaped(policy, c6):
    expansion = (Expanded("cops", ("enforcement", "<b>")),)
    answer = Answer("Do the cops see my bank details?", True, (c6,), expansion=expansion)
    shown = render.answer_html(answer, policy=policy)
    note = shown[shown.index('class="pqa-expansion"') :]
    words = "“enforcement”, “&lt;b&gt;” for “cops”"
    assert note.startswith(f'class="pqa-expansion">Also searched for the policy’s own words: {words}.')
    assert shown.index("#clause-C.6") < shown.index("pqa-expansion") < shown.index("pqa-plain")
    assert "pqa-expansion" not in render.answer_html(Answer("Who can see my bank details?", True, (c6,)), policy=policy)


def test_a_corrected_question_is_noted_first_escaped(policy, c6):
    answer = Answer("Do you use cookeis<b>?", True, (c6,), corrected="Do you use cookies<b>?")
    shown = render.answer_html(answer, policy=policy)
    assert "Searched as “Do you use cookies&lt;b&gt;?” (spelling corrected)." in shown
    assert shown.index("Searched as") < shown.index("#clause-C.6")


def test_answer_has_no_line_breaks_so_markdown_keeps_it_raw(policy):
    hit = make_hit(policy, "D.p3", "If you are a user from Mainland China")
    assert "\n" in hit.text
    shown = render.answer_html(Answer("Where do I write?", True, (hit,)), policy=policy)
    assert "\n" not in shown
    assert "Legal Counsel, The Legal Department<br>" in shown


@pytest.mark.parametrize("evil", [INJECTION, "<script>alert(1)</script>", '"><svg onload=alert(1)>', "&lt;b&gt;"])
def test_user_and_policy_text_is_escaped(policy, evil):
    clause = policy.clause("C.6")
    text = f"Start {evil} end."
    hit = Hit(1, "C.6", "C", clause.section_title, 6, evil, text, evil, 6, 6 + len(evil), 0.5)
    fragments = [
        render.answer_html(Answer(evil, True, (hit,)), policy=policy),
        render.question_html(evil),
        render.notice_html(evil),
    ]
    for fragment in fragments:
        assert evil not in fragment or evil == html.escape(evil)
        assert "<img" not in fragment and "<script" not in fragment and "<svg" not in fragment
    assert visible_text(render.question_html(evil)) == evil
    assert f'<mark class="pqa-mark">{html.escape(evil)}</mark>' in fragments[0]


def test_question_is_cut_for_display():
    shown = visible_text(render.question_html("why " * 300, limit=20))
    assert shown == "why why why why why …"


def test_notice_is_one_friendly_line():
    shown = render.notice_html("the question is empty; type a question about the policy")
    assert visible_text(shown) == "Can’t answer that: the question is empty; type a question about the policy"


# --- terms and references ------------------------------------------------------------------------


def test_no_terms_or_references_no_links_row(policy, c6):
    assert render.links_html(c6, policy=policy) == ""


def test_terms_and_references_link_to_the_policy_view(policy):
    hit = make_hit(
        policy,
        "C.4",
        "Any Personal Data supplied by you",
        terms=(("Personal Data", "A.1"), ("Account Information", "A.3"), ("<Unknown>", "Z.1")),
        references=("C.2", "C.3", "Z.9"),
    )
    links = render.links_html(hit, policy=policy)
    assert (
        '<a class="pqa-link pqa-term" href="#clause-A.3" data-clause="A.3" '
        'title="Defined in §A.3 Collection of Information">Account Information</a>'
    ) in links
    assert (
        '<a class="pqa-link" href="#clause-C.2" data-clause="C.2" title="§C.2 Disclosure of Personal Data">§C.2</a>'
    ) in links
    assert links.index("Defined terms:") < links.index("See also:")
    # Ids the policy lacks are shown as plain (escaped) text, never as a dead link.
    assert "&lt;Unknown&gt;" in links and "#clause-Z.1" not in links
    assert "§Z.9" in links and "#clause-Z.9" not in links
    assert links in render.hit_html(hit, policy=policy)


@pytest.mark.parametrize(("clause_id", "short"), [("C.6", "§C.6"), ("E.p2", "§E ¶2"), ("P.p1", "Preamble ¶1")])
def test_short_citation(policy, clause_id, short):
    clause = policy.clause(clause_id)
    assert render.short_citation(clause) == short
    assert clause.citation.startswith(short)


# --- plain text ----------------------------------------------------------------------------------


def test_answer_text_is_plain_with_citations(policy, c6):
    text = render.answer_text(Answer("Who can see my bank details?", True, (c6,)))
    assert text.splitlines() == [
        "Q: Who can see my bank details?",
        "1. §C.6 Disclosure of Personal Data (strong match)",
        "   “We may share your Account Information with banks or vendors”",
    ]
    uncovered = render.answer_text(Answer("Cars?", False, (c6,)))
    assert uncovered.splitlines()[1] == f"{render.NOT_COVERED} Closest clauses:"
    why = render.answer_text(Answer("How long?", False, (c6,), "None of them states a period."))
    assert why.splitlines()[1] == f"{render.NOT_COVERED} None of them states a period. Closest clauses:"


def test_plain_text_copy_is_inside_the_answer_escaped(policy):
    shown = render.answer_html(Answer(INJECTION, False, ()), policy=policy)
    assert '<details class="pqa-plain">' in shown
    assert f"<pre>Q: {html.escape(INJECTION)}&#10;{html.escape(render.NOT_COVERED)}" in shown


# --- the policy view -----------------------------------------------------------------------------


def test_policy_view_anchors_every_clause_in_order(policy):
    shown = render_policy.policy_html(policy)
    anchors = re.findall(r'<div class="pqa-clause" id="clause-([^"]+)">', shown)
    assert anchors == [clause.id for clause in policy.clauses]
    sections = re.findall(r'<section class="pqa-section" id="section-([A-Z])">', shown)
    assert sections == [section.letter for section in policy.sections]
    assert "<h3>C. Disclosure of Personal Data</h3>" in shown and "<h3>Preamble</h3>" in shown
    assert "Updated November 2015" in shown
    assert "\n" not in shown


def test_policy_view_escapes_policy_text():
    clause = Clause("A.1", "A", "Odd <Title>", 1, f"Text {INJECTION}\nnext", 0, 10)
    policy = Policy("Policy & Co", None, (Section("A", "Odd <Title>"),), (clause,), "")
    shown = render_policy.policy_html(policy)
    assert "<img" not in shown and "<Title>" not in shown
    assert "Text &lt;img src=x onerror=alert(1)&gt;<br>next" in shown
    assert "<h2>Policy &amp; Co</h2>" in shown and "pqa-updated" not in shown


def test_header_names_policy_and_date(policy):
    assert "Privacy Policy, updated November 2015" in render_policy.header_html(policy)
