"""qa.web.render and qa.web.policy_view: escaping, highlight offsets, the answer first, labels that agree
with the order, links, lists, whose policy it is, and the policy view."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.messages import summary_of
from qa.read.documents import load_policy
from qa.types import Answer, Clause, Expanded, Hit, Policy, Section
from qa.web import policy_view as render_policy
from qa.web import render
from tests.conftest import DATA, POLICY_PATH

INJECTION = "<img src=x onerror=alert(1)>"
DEVELOPER_WORDS = ("policyqa index", "Plain text to copy", "Use via API", "similarity", "Error")


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
        **{"scores": {"similarity": score}, **extra},
    )


@dataclass(frozen=True)
class ConfidentHit(Hit):
    """A Hit as the next `qa.types` gives it: with a calibrated probability that it answers."""

    confidence: float | None = None


def answer_of(question: str, hits: tuple[Hit, ...], *, covered: bool = True, reason: str = "", **extra) -> Answer:
    """An Answer as `PolicyQA.ask` makes it: its summary from its hits."""
    summary = summary_of(hits, covered=covered, reason=reason)
    return Answer(question, covered, hits, reason, summary=summary, **extra)


def visible_text(fragment: str) -> str:
    """What a browser shows for our markup: tags dropped, <br> as newline, entities decoded, hidden copy left out."""
    fragment = re.sub(r'<pre class="pqa-plain" hidden>.*?</pre>', "", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment.replace("<br>", "\n")))


@pytest.fixture
def c6(policy: Policy) -> Hit:
    return make_hit(policy, "C.6", "We may share your Account Information with banks or vendors")


@pytest.fixture
def c4(policy: Policy) -> Hit:
    return make_hit(policy, "C.4", "Any Personal Data supplied by you", rank=2, score=0.5)


# --- highlight and the clause body ---------------------------------------------------------------


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


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("We collect:\nName\nEmail", 0, 0, '<p>We collect:</p><ul class="pqa-list"><li>Name</li><li>Email</li></ul>'),
        (
            "We collect:\nName\nEmail",
            3,
            16,
            '<p>We <mark class="pqa-mark">collect:</mark></p><ul class="pqa-list">'
            '<li><mark class="pqa-mark">Name</mark></li><li>Email</li></ul>',
        ),
        ("Write to this address:\nLegal <Dept>\nHong Kong", 0, 0,
         "<p>Write to this address:<br>Legal &lt;Dept&gt;<br>Hong Kong</p>"),
        ("One line only.", 0, 3, '<p><mark class="pqa-mark">One</mark> line only.</p>'),
        ("Ends with a colon:", 0, 0, "<p>Ends with a colon:</p>"),
        ("", 0, 0, "<p></p>"),
    ],
)  # fmt: skip
def test_clause_body_keeps_list_items_as_a_list_and_marks_across_lines(text, start, end, expected):
    assert render.clause_body_html(text, start, end) == expected


# --- labels --------------------------------------------------------------------------------------


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


def test_a_hit_is_labelled_by_its_plain_similarity_not_its_fused_score(policy):
    hit = make_hit(policy, "C.6", "We may share", score=0.016, scores={"similarity": 0.7, "bm25": 3.2})
    assert render.hit_relevance(hit) == render.Relevance("strong match", 3)
    shown = render.relevance_html(render.hit_relevance(hit))
    assert "strong match" in shown and shown.count('class="on"') == 3 and "0.70" not in shown


def scored(policy: Policy, similarities: list[float], **extra) -> tuple[Hit, ...]:
    ids = ["C.6", "C.4", "C.5", "A.3", "E.p1"]
    return tuple(
        make_hit(policy, clause_id, policy.clause(clause_id).text[:20], rank=rank, score=similarity, **extra)
        for rank, (clause_id, similarity) in enumerate(zip(ids, similarities, strict=False), 1)
    )


@pytest.mark.parametrize(
    ("similarities", "covered", "expected"),
    [
        # 0.50, 0.65, 0.30: the 0.65 clause ranks below the 0.50 one, so it is not called stronger.
        ([0.50, 0.65, 0.30], True, ["good match", "good match", "weak match"]),
        ([0.70, 0.20, 0.66], True, ["strong match", "weak match", "weak match"]),
        # Covered, every clause weak on its own: the best still answers, so "good".
        ([0.38, 0.36, 0.30], True, ["good match", "weak match", "weak match"]),
        # Not covered: no clause is called more than weak.
        ([0.70, 0.62, 0.50], False, ["weak match", "weak match", "weak match"]),
    ],
)
def test_labels_agree_with_the_order_and_the_verdict(policy, similarities, covered, expected):
    strengths = render.labels(scored(policy, similarities), covered=covered)
    assert [s.label for s in strengths] == expected
    assert all(a.level >= b.level for a, b in zip(strengths, strengths[1:], strict=False))


def test_labels_come_from_confidence_when_the_hits_carry_it(policy):
    hits = tuple(
        ConfidentHit(**{**vars(hit), "confidence": confidence})
        for hit, confidence in zip(scored(policy, [0.30, 0.90, 0.90]), [0.9, 0.5, 0.1], strict=True)
    )
    assert [s.label for s in render.labels(hits, covered=True)] == ["strong match", "good match", "weak match"]
    unknown = tuple(ConfidentHit(**{**vars(hit), "confidence": None}) for hit in scored(policy, [0.7]))
    assert render.labels(unknown, covered=True)[0].label == "strong match"  # None: back to the similarity


# --- one hit, one answer -------------------------------------------------------------------------


def test_a_clause_is_collapsed_to_its_marked_sentence_with_the_whole_clause_behind_a_toggle(policy, c6):
    shown = render.hit_html(c6, render.Relevance("good match", 2), policy=policy)
    assert (
        '<a class="pqa-cite" href="#clause-C.6" data-clause="C.6" title="Open C.6 in the policy">'
        "§C.6 Disclosure of Personal Data</a>"
    ) in shown
    summary = shown[shown.index("<summary>") : shown.index("</summary>")]
    assert f'<mark class="pqa-mark">{c6.sentence}</mark> …' in summary  # the sentence opens the whole clause
    assert visible_text(summary).endswith(" … Show the whole clauseShow less")
    whole = shown[shown.index("</summary>") :]
    assert '<div class="pqa-text">' in whole and c6.text[-40:] in whole
    one = Hit(**{**vars(c6), "text": c6.sentence, "sentence_start": 0, "sentence_end": len(c6.sentence)})
    assert "<details" not in render.hit_html(one, render.Relevance("good match", 2), policy=policy)  # nothing more
    assert "good match" in shown


def test_a_covered_answer_starts_with_the_quoted_answer_then_the_other_clauses(policy, c6, c4):
    shown = render.answer_html(answer_of("Who can see my bank details?", (c6, c4)), policy=policy, name="alibaba-2015")
    direct = shown[: shown.index("Also in the policy")]
    assert f'<blockquote class="pqa-quote">“{c6.sentence}”</blockquote>' in direct
    assert "#clause-C.6" in direct and "#clause-C.4" not in direct
    rest = shown[shown.index("Also in the policy") :]
    assert "#clause-C.4" in rest and "#clause-C.6" not in rest  # the quoted clause is not listed twice
    assert render.NOT_SAID not in shown and "pqa-anyway" not in shown
    for words in DEVELOPER_WORDS:
        assert words not in visible_text(shown)


def test_a_not_covered_answer_says_so_with_the_reason_and_hides_the_closest_clauses(policy, c6, c4):
    reason = "None <states> a period."
    shown = render.answer_html(answer_of("How long?", (c6, c4), covered=False, reason=reason), policy=policy)
    direct = shown[: shown.index("pqa-anyway")]
    assert render.NOT_SAID in direct and "None &lt;states&gt; a period." in direct and "<states>" not in shown
    assert "The closest it comes is" in direct and "#clause-C.6" in direct
    hidden = shown[shown.index('<details class="pqa-anyway">') :]
    assert "<summary>Show the closest 2 clauses anyway</summary>" in hidden
    assert hidden.index("#clause-C.6") < hidden.index("#clause-C.4")
    assert "strong match" not in shown and "good match" not in shown


def test_an_answer_without_any_clause_still_says_the_policy_does_not_say(policy):
    shown = render.answer_html(Answer("Cars?", False, (), "No clause."), policy=policy)
    assert visible_text(shown).startswith(f"{render.NOT_SAID} No clause.")


def test_an_answer_made_without_a_summary_gets_one_from_its_hits(policy, c6):
    shown = render.answer_html(Answer("Who can see my bank details?", True, (c6,)), policy=policy)
    assert f"“{c6.sentence}”" in shown


def test_notes_on_how_the_question_was_read_are_escaped(policy, c6):
    expansion = (Expanded("cops", ("enforcement", "<b>")),)
    answer = answer_of("Do the cops see it?", (c6,), expansion=expansion, corrected="Do the cops see it<b>?")
    answer = Answer(**{**vars(answer), "follows": "Do you share <my> data?"})
    shown = render.answer_html(answer, policy=policy)
    assert "Searched as “Do the cops see it&lt;b&gt;?” (spelling corrected)." in shown
    assert "Read with your earlier question: “Do you share &lt;my&gt; data?”" in shown
    assert "“enforcement”, “&lt;b&gt;” for “cops”" in shown
    assert shown.index("Searched as") < shown.index("Read with") < shown.index("#clause-C.6") < shown.index("cops”")
    assert "Read with" not in render.answer_html(answer_of("Who?", (c6,)), policy=policy)


def test_each_answer_links_to_itself_escaped(policy, c6):
    shown = render.answer_html(answer_of("Who sees <my> bank & card?", (c6,)), policy=policy, name="alibaba-2015")
    assert (
        '<a class="pqa-share" href="?policy=alibaba-2015&amp;q=Who+sees+%3Cmy%3E+bank+%26+card%3F">'
        "Copy link to this answer</a>"
    ) in shown
    assert "pqa-share" not in render.answer_html(answer_of("Who?", (c6,)), policy=policy)
    assert render.share_query("acme", "Do you sell data?") == "?policy=acme&q=Do+you+sell+data%3F"


def test_answer_has_no_line_breaks_so_markdown_keeps_it_raw(policy):
    hit = make_hit(policy, "D.p3", "If you are a user from Mainland China")
    assert "\n" in hit.text
    shown = render.answer_html(answer_of("Where do I write?", (hit,)), policy=policy)
    assert "\n" not in shown
    assert "Legal Counsel, The Legal Department<br>" in shown


@pytest.mark.parametrize("evil", [INJECTION, "<script>alert(1)</script>", '"><svg onload=alert(1)>', "&lt;b&gt;"])
def test_user_and_policy_text_is_escaped(policy, evil):
    clause = policy.clause("C.6")
    text = f"Start {evil} end."
    hit = Hit(1, "C.6", "C", clause.section_title, 6, evil, text, evil, 6, 6 + len(evil), 0.5)
    fragments = [
        render.answer_html(answer_of(evil, (hit,)), policy=policy, name=evil),
        render.answer_html(answer_of(evil, (hit,), covered=False, reason=evil), policy=policy),
        render.question_html(evil),
        render.notice_html(evil),
        render.address_html(evil, evil),
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


def test_a_waiting_question_says_it_is_being_searched_or_queued():
    assert visible_text(render.waiting_html(first=True)) == render.SEARCHING
    assert visible_text(render.waiting_html(first=False)) == render.QUEUED


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
    assert links in render.hit_html(hit, render.Relevance("weak match", 1), policy=policy)


@pytest.mark.parametrize(("clause_id", "short"), [("C.6", "§C.6"), ("E.p2", "§E ¶2"), ("P.p1", "Preamble ¶1")])
def test_short_citation(policy, clause_id, short):
    clause = policy.clause(clause_id)
    assert render.short_citation(clause) == short
    assert clause.citation.startswith(short)


# --- plain text ----------------------------------------------------------------------------------


def test_answer_text_is_plain_with_citations_and_no_question(policy, c6, c4):
    text = render.answer_text(answer_of("Who can see my bank details?", (c6, c4)))
    assert text.splitlines() == [
        f"“{c6.sentence}” (§C.6 Disclosure of Personal Data)",
        "Also in the policy:",
        "2. §C.4 Disclosure of Personal Data (good match)",
        "   “Any Personal Data supplied by you”",
    ]
    why = render.answer_text(answer_of("How long?", (c6,), covered=False, reason="None of them states a period."))
    assert why.splitlines()[0].startswith("The policy does not say. None of them states a period. The closest")
    assert why.splitlines()[1:] == ["The closest clauses:", "1. §C.6 Disclosure of Personal Data (weak match)",
                                    f"   “{c6.sentence}”"]  # fmt: skip


def test_the_hidden_plain_copy_starts_with_the_question_escaped(policy):
    shown = render.answer_html(Answer(INJECTION, False, ()), policy=policy)
    assert f'<pre class="pqa-plain" hidden>Q: {html.escape(INJECTION)}&#10;{render.NOT_SAID}</pre>' in shown


# --- whose policy, and the policy view -----------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "owner"),
    [
        ("Acme Cloud Privacy Policy", "Acme Cloud"),
        ("Harbor Credit Union Online Privacy Notice", "Harbor Credit Union"),
        ("Meridian Health Apps — Privacy Policy", "Meridian Health Apps"),
        ("Let’s Encrypt Privacy Policy", "Let’s Encrypt"),
        ("TinkerBox Privacy Notice 🔒", "TinkerBox"),
        ("Privacy Policy", None),
        ("Website Privacy Policy", None),
        ("Europe privacy policy", None),
        ("Our privacy act statement", None),
        ("What is Privacy Guides?", None),
    ],
)
def test_the_organisation_a_title_names(title, owner):
    assert render_policy.organisation_in_title(title) == owner


@pytest.mark.parametrize(
    ("text", "owner"),
    [
        ('Acme Cloud ("Acme", "we", "us") provides file storage.', "Acme"),
        ("you are contracting with Alibaba.com Singapore E-Commerce Private Limited (“Alibaba”, “we”, “us”, “our”).",
         "Alibaba"),
        ('Effective 2018. The Qubes OS Project ("us", "we", or "our") operates the site.', "The Qubes OS Project"),
        ('Luxembourg Tech School (LTS) asbl ("us", "we" or "our") runs classes.', "Luxembourg Tech School asbl"),
        ('Major League Hacking, Inc ("MLH", "us" or "we") respects privacy.', "MLH"),
        ('This Privacy Policy (the "Policy") says what we do.', None),
        ('The company ("Company", "we") and the Sites ("Sites").', "The company"),
        ("We don't collect or share personal information.", None),
    ],
)  # fmt: skip
def test_the_organisation_a_passage_defines_as_we(text, owner):
    assert render_policy.organisation_defined_as_we(text) == owner


@pytest.mark.parametrize(
    ("path", "name"),
    [
        (POLICY_PATH, "Alibaba Privacy Policy"),  # titled "Privacy Policy"; its preamble defines “Alibaba” as “we”
        (DATA / "docs" / "acme.md", "Acme Cloud Privacy Policy"),
        (DATA / "docs" / "northwind.html", "Northwind Traders Privacy Notice"),
        (DATA / "corpus" / "mlh-privacy-policy.md", "MLH Privacy Policy"),
        (DATA / "corpus" / "openai-europe-privacy-policy.html", "OpenAI Europe privacy policy"),
        (DATA / "corpus" / "duckduckgo-privacy-policy.txt", "Privacy Policy"),  # names no one
    ],
)
def test_the_policy_is_called_by_whose_it_is(path: Path, name):
    assert render_policy.policy_name(load_policy(path)) == name


def test_header_names_the_organisation_and_the_date(policy):
    header = render_policy.header_html(policy)
    assert header.startswith("<h1>Alibaba Privacy Policy</h1>") and "Updated November 2015." in header


def test_policy_view_anchors_every_clause_in_order(policy):
    shown = render_policy.policy_html(policy, name="alibaba-2015")
    anchors = re.findall(r'<div class="pqa-clause" id="clause-([^"]+)">', shown)
    assert anchors == [clause.id for clause in policy.clauses]
    sections = re.findall(r'<section class="pqa-section" id="section-([A-Z])">', shown)
    assert sections == [section.letter for section in policy.sections]
    assert "<h3>C. Disclosure of Personal Data</h3>" in shown and "<h3>Preamble</h3>" in shown
    assert '<article class="pqa-policy" data-policy="alibaba-2015">' in shown
    assert '<button type="button" class="pqa-back">' in shown
    assert "<h2>Alibaba Privacy Policy</h2>" in shown and "Updated November 2015" in shown
    assert "\n" not in shown


def test_policy_view_keeps_list_markers():
    acme = load_policy(DATA / "docs" / "acme.md")
    shown = render_policy.policy_html(acme)
    assert '<ul class="pqa-list"><li>IP address</li><li>Browser type</li><li>Pages you visit</li></ul>' in shown


def test_policy_view_escapes_policy_text():
    clause = Clause("A.1", "A", "Odd <Title>", 1, f"Text {INJECTION}\nnext", 0, 10)
    policy = Policy("Policy & Co", None, (Section("A", "Odd <Title>"),), (clause,), "")
    shown = render_policy.policy_html(policy, name='"><x')
    assert "<img" not in shown and "<Title>" not in shown and '"><x' not in shown
    assert "Text &lt;img src=x onerror=alert(1)&gt;<br>next" in shown
    assert "<h2>Policy &amp; Co</h2>" in shown and "pqa-updated" not in shown
