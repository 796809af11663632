"""Answers -> escaped HTML (and plain text) for the web app; the policy view is `qa.web.policy_view`.

Pure functions, no Gradio: `app.py` puts their output on the page. Every piece of text that
comes from the policy or the user goes through `html.escape`; the only markup is the one written
here and in `qa.web.policy_view` (`STYLESHEET`, static/answer.css, styles both). The chat's
sanitizer keeps classes, `role`, `title`, `hidden` and `href` but drops `data-*` and `aria-*`
attributes, so every control here is named by its own text. Links to a clause point at the
policy view's anchor `#clause-C.6`; the app's script opens it in the Policy tab.

An answer reads top-down: the direct answer (`Answer.summary`: the quoted passage with its
citation, or that the policy does not say, why, and the clause that came closest), then the
other clauses best first, each cut to its best sentence with the whole clause a click away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlencode

from qa.messages import corrected_text, expansion_text, follows_text, summary_of
from qa.types import Answer, Clause, Hit, Policy, Summary

# Cosine similarity of the best sentence at which a match is called "strong" / "good"; below
# GOOD_MATCH it is "weak". Calibrated on eval/*.jsonl with the shipped model: the right clause
# scores 0.50 / 0.61 / 0.71 (quartiles), the other top-5 clauses 0.36 / 0.48 / 0.56.
STRONG_MATCH = 0.60
GOOD_MATCH = 0.45
# The same words from `Hit.confidence`, a calibrated probability that the clause answers.
STRONG_CONFIDENCE = 0.70
GOOD_CONFIDENCE = 0.40

NOT_SAID = "The policy does not say."
SEARCHING = "Searching the policy…"
QUEUED = "Waiting for the question above…"

STYLESHEET = (Path(__file__).resolve().parent / "static" / "answer.css").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Relevance:
    """A match strength people read at a glance: a label and 1..3 filled bars."""

    label: str
    level: int


LEVELS = {3: Relevance("strong match", 3), 2: Relevance("good match", 2), 1: Relevance("weak match", 1)}


def relevance(score: float, *, strong: float = STRONG_MATCH, good: float = GOOD_MATCH) -> Relevance:
    """The label for a similarity score: relevance(0.62) -> Relevance("strong match", 3)."""
    return LEVELS[3 if score >= strong else 2 if score >= good else 1]


def hit_similarity(hit: Hit) -> float:
    """The plain cosine similarity of the hit's best sentence (no query adapter), the scale
    `relevance` expects; "dense" for answers made without that signal."""
    return hit.scores.get("similarity", hit.scores.get("dense", hit.score))


def hit_relevance(hit: Hit) -> Relevance:
    """One hit's own strength: from `Hit.confidence` when the answer carries it, else its similarity."""
    confidence = getattr(hit, "confidence", None)
    if isinstance(confidence, float | int):
        return relevance(float(confidence), strong=STRONG_CONFIDENCE, good=GOOD_CONFIDENCE)
    return relevance(hit_similarity(hit))


def labels(hits: Sequence[Hit], *, covered: bool) -> list[Relevance]:
    """The label of each hit, agreeing with their order and with the answer's verdict: never stronger
    than the hit ranked above it; at most "weak" when the policy does not cover the question; at least
    "good" for the best hit when it does (the verdict says it answers).

    Worked example, similarities 0.50, 0.65, 0.30 covered -> good, good, weak (0.65 is not shown
    above the 0.50 it ranks below); not covered -> weak, weak, weak.
    """
    shown: list[Relevance] = []
    for rank, hit in enumerate(hits):
        level = hit_relevance(hit).level
        if not covered:
            level = 1
        elif rank == 0:
            level = max(level, 2)
        if shown:
            level = min(level, shown[-1].level)
        shown.append(LEVELS[level])
    return shown


def text_html(text: str) -> str:
    """Escaped text with line breaks kept: "a <b>\\nc" -> "a &lt;b&gt;<br>c"."""
    return escape(text).replace("\n", "<br>")


def highlight(text: str, start: int, end: int) -> str:
    """Escaped `text` with `text[start:end]` in <mark>: highlight("a<b c", 2, 3) -> "a&lt;<mark>b</mark> c".

    Offsets outside the text or an empty span give the text without a mark.
    """
    if not 0 <= start < end <= len(text):
        return text_html(text)
    before, match, after = text[:start], text[start:end], text[end:]
    return f'{text_html(before)}<mark class="pqa-mark">{text_html(match)}</mark>{text_html(after)}'


def _lines(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each non-blank line of `text`: _lines("a\\n\\nbc") -> [(0, 1), (3, 5)]."""
    spans, start = [], 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((start, start + len(line)))
        start += len(line) + 1
    return spans


def _piece(text: str, piece: tuple[int, int], start: int, end: int) -> str:
    """`text[piece]` escaped, with its overlap with `text[start:end]` marked."""
    a, b = piece
    return highlight(text[a:b], max(start, a) - a, min(end, b) - a)


def clause_body_html(text: str, start: int = 0, end: int = 0) -> str:
    """A clause's text as paragraphs and lists, with `text[start:end]` marked (no mark when empty).

    Lines after a line that ends in ":" are the items of a list (a lead-in, as `qa.messages` reads
    it), except after an "address:", whose lines stay lines:
    clause_body_html("We collect:\\nName\\nEmail") ->
    '<p>We collect:</p><ul class="pqa-list"><li>Name</li><li>Email</li></ul>'.
    """
    spans = _lines(text) or [(0, len(text))]
    parts, lines = [], []
    lead = next((i for i, (a, b) in enumerate(spans[:-1]) if text[a:b].rstrip().endswith(":")), None)
    if lead is None or text[: spans[lead][1]].rstrip(" :").lower().endswith(("address", "addresses")):
        lines = spans
    else:
        lines = spans[: lead + 1]
    parts.append("<p>" + "<br>".join(_piece(text, piece, start, end) for piece in lines) + "</p>")
    if lines is not spans:
        items = "".join(f"<li>{_piece(text, piece, start, end)}</li>" for piece in spans[len(lines) :])
        parts.append(f'<ul class="pqa-list">{items}</ul>')
    return "".join(parts)


def clause_anchor(clause_id: str) -> str:
    """The id of a clause in the policy view: clause_anchor("C.6") -> "clause-C.6"."""
    return f"clause-{clause_id}"


def clause_link(clause_id: str, label: str, *, css_class: str = "pqa-link", title: str | None = None) -> str:
    """A link that opens the policy view at `clause_id`; label, id and title are escaped."""
    tip = title or f"Open {clause_id} in the policy"
    return (
        f'<a class="{css_class}" href="#{escape(clause_anchor(clause_id), quote=True)}" '
        f'data-clause="{escape(clause_id, quote=True)}" title="{escape(tip, quote=True)}">{escape(label)}</a>'
    )


def short_citation(clause: Clause) -> str:
    """The citation without the section title: "§C.6", "§E ¶2", "Preamble ¶1"."""
    paragraph = clause.id.split(".p")[-1]
    if clause.section == "P":
        return f"Preamble ¶{paragraph}"
    return f"§{clause.id}" if clause.number is not None else f"§{clause.section} ¶{paragraph}"


def _clause(policy: Policy, clause_id: str) -> Clause | None:
    try:
        return policy.clause(clause_id)
    except KeyError:
        return None


def _term_link(policy: Policy, term: str, clause_id: str) -> str:
    """A defined term linking to its definition; plain text when the policy lacks that clause."""
    clause = _clause(policy, clause_id)
    if clause is None:
        return escape(term)
    return clause_link(clause_id, term, css_class="pqa-link pqa-term", title=f"Defined in {clause.citation}")


def _reference_link(policy: Policy, clause_id: str) -> str:
    """A short link ("§B.1") to a clause, its full citation as tooltip; plain "§X.9" if unknown."""
    clause = _clause(policy, clause_id)
    if clause is None:
        return escape(f"§{clause_id}")
    return clause_link(clause_id, short_citation(clause), title=clause.citation)


def links_html(hit: Hit, *, policy: Policy) -> str:
    """The hit's defined terms and cross-references as links; "" when it has neither."""
    parts = []
    if hit.terms:
        terms = ", ".join(_term_link(policy, term, where) for term, where in hit.terms)
        parts.append(f'<span class="pqa-links-label">Defined terms:</span> {terms}')
    if hit.references:
        refs = ", ".join(_reference_link(policy, clause_id) for clause_id in hit.references)
        parts.append(f'<span class="pqa-links-label">See also:</span> {refs}')
    if not parts:
        return ""
    return '<p class="pqa-links">' + ' <span class="pqa-sep">·</span> '.join(parts) + "</p>"


def relevance_html(strength: Relevance) -> str:
    """Three bars (filled by strength) and the words "strong/good/weak match"."""
    kind = strength.label.split()[0]
    bars = "".join(f'<i class="{"on" if n <= strength.level else "off"}"></i>' for n in (1, 2, 3))
    return (
        f'<span class="pqa-rel pqa-rel-{kind}" title="How closely this clause matches the question">'
        f'<span class="pqa-bars">{bars}</span>{strength.label}</span>'
    )


TOGGLE = (
    '<span class="pqa-toggle"><span class="pqa-closed">Show the whole clause</span>'
    '<span class="pqa-opened">Show less</span></span>'
)


def whole_clause_html(hit: Hit, *, policy: Policy, start: int, end: int, lead: str = "") -> str:
    """The hit's whole clause, `start`:`end` marked, with its links, behind a "Show the whole clause"
    toggle that follows `lead` (what shows while it is closed: the clause's best sentence, or nothing)."""
    body = clause_body_html(hit.text, start, end)
    return (
        f'<details class="pqa-more"><summary>{lead + " " if lead else ""}{TOGGLE}</summary>'
        f'<div class="pqa-text">{body}</div>{links_html(hit, policy=policy)}</details>'
    )


def sentence_html(hit: Hit) -> str:
    """The hit's best sentence, marked, with "…" where the clause goes on before or after it."""
    start, end = hit.sentence_start, hit.sentence_end
    if not 0 <= start < end <= len(hit.text):
        return f'<span class="pqa-sentence">{text_html(hit.sentence)}</span>'
    before = "… " if hit.text[:start].strip() else ""
    after = " …" if hit.text[end:].strip() else ""
    marked = f'<mark class="pqa-mark">{text_html(hit.text[start:end])}</mark>'
    return f'<span class="pqa-sentence">{before}{marked}{after}</span>'


def hit_html(hit: Hit, strength: Relevance, *, policy: Policy) -> str:
    """One clause, collapsed: rank, citation link, relevance, and its best sentence, which opens the whole
    clause (a clause that is one sentence, without links, has nothing more to show)."""
    head = (
        f'<div class="pqa-hit-head"><span class="pqa-rank">{hit.rank}</span>'
        f"{clause_link(hit.clause_id, hit.citation, css_class='pqa-cite')}{relevance_html(strength)}</div>"
    )
    if hit.text.strip() == hit.sentence.strip() and not hit.terms and not hit.references:
        return f'<li class="pqa-hit">{head}<p class="pqa-one">{sentence_html(hit)}</p></li>'
    start, end = hit.sentence_start, hit.sentence_end
    whole = whole_clause_html(hit, policy=policy, start=start, end=end, lead=sentence_html(hit))
    return f'<li class="pqa-hit">{head}{whole}</li>'


def share_query(policy: str, question: str) -> str:
    """The address of an answer, relative to the app: share_query("acme", "Do you sell data?") ->
    "?policy=acme&q=Do+you+sell+data%3F"."""
    return "?" + urlencode({"policy": policy, "q": question})


def _direct_html(answer: Answer, summary: Summary | None, strengths: dict[str, Relevance], *, policy: Policy) -> str:
    """The answer first: the quoted passage and its citation, or that the policy does not say."""
    reason = f" {escape(answer.reason)}" if answer.reason else ""
    if summary is None:
        return f'<div class="pqa-direct pqa-none"><p><strong>{NOT_SAID}</strong>{reason}</p></div>'
    hit = next((h for h in answer.hits if h.clause_id == summary.clause_id), None)
    cite = clause_link(summary.clause_id, summary.citation, css_class="pqa-cite")
    whole = "" if hit is None else whole_clause_html(hit, policy=policy, start=summary.start, end=summary.end)
    if summary.answered:
        strength = relevance_html(strengths[hit.clause_id]) if hit is not None else ""
        return (
            f'<div class="pqa-direct"><blockquote class="pqa-quote">“{text_html(summary.quote)}”</blockquote>'
            f'<div class="pqa-source">{cite}{strength}{whole}</div></div>'
        )
    return (
        f'<div class="pqa-direct pqa-none"><p><strong>{NOT_SAID}</strong>{reason}</p>'
        f'<p class="pqa-closest">The closest it comes is {cite}: “{text_html(summary.quote)}”</p>{whole}</div>'
    )


def _summary(answer: Answer) -> Summary | None:
    """`Answer.summary`, or for an answer made without one, the same worked out from its hits."""
    if answer.summary is not None:
        return answer.summary
    return summary_of(answer.hits, covered=answer.covered, reason=answer.reason)


def answer_html(answer: Answer, *, policy: Policy, name: str = "") -> str:
    """An answer as one HTML fragment (no newline, so Markdown leaves it alone).

    Notes on how the question was read (spelling corrected, read with the earlier question), the
    direct answer, then the other clauses best first (not covered: all of them, behind "Show the
    closest clauses anyway"), the policy words the search added, a link to the answer (`name` is the
    policy's name in the library; no link without it), and a hidden plain-text copy for the copy buttons.
    """
    summary = _summary(answer)
    strengths = dict(zip((h.clause_id for h in answer.hits), labels(answer.hits, covered=answer.covered), strict=True))
    parts = ['<div class="pqa-answer">']
    if answer.corrected:
        parts.append(f'<p class="pqa-note">{escape(corrected_text(answer.corrected))}</p>')
    follows = getattr(answer, "follows", "")
    if follows:
        parts.append(f'<p class="pqa-note pqa-follows">{escape(follows_text(follows))}</p>')
    parts.append(_direct_html(answer, summary, strengths, policy=policy))
    quoted = summary.clause_id if summary is not None and summary.answered else None
    others = [hit for hit in answer.hits if hit.clause_id != quoted]
    items = "".join(hit_html(hit, strengths[hit.clause_id], policy=policy) for hit in others)
    if others and quoted is not None:
        parts.append(f'<p class="pqa-heading">Also in the policy</p><ol class="pqa-hits">{items}</ol>')
    elif others:
        count = "clause" if len(others) == 1 else f"{len(others)} clauses"
        parts.append(
            f'<details class="pqa-anyway"><summary>Show the closest {count} anyway</summary>'
            f'<ol class="pqa-hits">{items}</ol></details>'
        )
    foot = [f'<span class="pqa-note">{escape(expansion_text(answer.expansion))}</span>'] if answer.expansion else []
    if name:
        href = escape(share_query(name, answer.question), quote=True)
        foot.append(f'<a class="pqa-share" href="{href}">Copy link to this answer</a>')
    if foot:
        parts.append(f'<p class="pqa-foot">{" ".join(foot)}</p>')
    plain = f"Q: {answer.question}\n{answer_text(answer)}"  # the copy buttons leave out the Q line in a whole chat
    parts.append(f'<pre class="pqa-plain" hidden>{escape(plain)}</pre></div>')
    # subtle: a blank line would end Markdown's raw-HTML block, so the only newlines
    # left (inside <pre>) become character references.
    return "".join(parts).replace("\n", "&#10;")


def answer_text(answer: Answer) -> str:
    """The answer as plain text to copy, without the question (the chat shows it above): the direct
    answer's line, then the other clauses best first with their best sentences."""
    summary = _summary(answer)
    lead = summary.text if summary is not None else " ".join(filter(None, [NOT_SAID, answer.reason]))
    lines = [lead]
    quoted = summary.clause_id if summary is not None and summary.answered else None
    others = [(hit, strength) for hit, strength in zip(answer.hits, labels(answer.hits, covered=answer.covered),
                                                       strict=True) if hit.clause_id != quoted]  # fmt: skip
    if others:
        lines.append("Also in the policy:" if quoted is not None else "The closest clauses:")
    for hit, strength in others:
        lines.append(f"{hit.rank}. {hit.citation} ({strength.label})")
        lines.append(f"   “{hit.sentence}”")
    return "\n".join(lines)


def question_html(question: str, *, limit: int = 400) -> str:
    """The user's question shown literally, cut at `limit` characters.

    question_html("<b>") -> '<p class="pqa-question">&lt;b&gt;</p>'
    """
    shown = question if len(question) <= limit else question[:limit].rstrip() + " …"
    return f'<p class="pqa-question">{text_html(shown)}</p>'


def waiting_html(*, first: bool) -> str:
    """The chat's reply while a question waits for its answer: searching (`first`), or queued behind another."""
    kind, words = ("pqa-searching", SEARCHING) if first else ("pqa-queued", QUEUED)
    return f'<p class="pqa-waiting {kind}"><span class="pqa-spinner"></span>{words}</p>'


def notice_html(message: str, *, lead: str = "Can’t answer that") -> str:
    """Why a question got no answer (an error message from `ask`), as one friendly line."""
    return f'<p class="pqa-notice" role="alert"><strong>{escape(lead)}:</strong> {text_html(message)}</p>'


def address_html(policy: str, question: str = "") -> str:
    """What the app's script copies into the browser's address bar: `?policy=…&q=…` (`share_query`)."""
    query = share_query(policy, question) if question else "?" + urlencode({"policy": policy})
    return f'<span class="pqa-address" title="{escape(query, quote=True)}"></span>'
