"""Answers -> escaped HTML (and plain text) for the web app; the policy view is `qa.web.policy_view`.

Pure functions, no Gradio: `app.py` puts their output on the page. Every piece
of text that comes from the policy or the user goes through `html.escape`; the
only markup is the one written here and in `qa.web.policy_view` (`STYLESHEET`
styles both). Links to a clause point at the policy view's anchor `#clause-C.6`
(and carry `data-clause="C.6"`, which the chat's sanitizer may drop; the app's
script goes by the href).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from qa.messages import NOT_COVERED, corrected_text, expansion_text
from qa.types import Answer, Clause, Hit, Policy

# Cosine similarity of the best sentence at which a match is called "strong" /
# "good"; below GOOD_MATCH it is "weak". Calibrated on eval/*.jsonl with the
# shipped model: the right clause scores 0.50 / 0.61 / 0.71 (quartiles), the
# other top-5 clauses 0.36 / 0.48 / 0.56.
STRONG_MATCH = 0.60
GOOD_MATCH = 0.45

# The look of the markup below and of `qa.web.policy_view`'s. Colours are variables
# so dark mode (Gradio puts `.dark` on <body>) only swaps values; `var(--body-text-color)`
# and friends come from the page's theme and fall back to plain colours elsewhere.
STYLESHEET = """
:root { --pqa-mark: #fff0a8; --pqa-target: #fff3bf; --pqa-banner-bg: #fff7e6; --pqa-banner-border: #f5c26b;
  --pqa-banner-text: #6b4500; --pqa-notice-bg: #fdecec; --pqa-notice-border: #f3a5a5; --pqa-notice-text: #7a1f1f;
  --pqa-strong-bg: #e3f5e9; --pqa-strong: #17643a; --pqa-good-bg: #e8f0fd; --pqa-good: #1d4f9c;
  --pqa-weak-bg: #f1f1f1; --pqa-weak: #5b5b5b; }
.dark { --pqa-mark: #5c4d12; --pqa-target: #3d3512; --pqa-banner-bg: #3a2c10; --pqa-banner-border: #8a6a2a;
  --pqa-banner-text: #f5d9a0; --pqa-notice-bg: #3b1c1c; --pqa-notice-border: #8a3a3a; --pqa-notice-text: #f6c8c8;
  --pqa-strong-bg: #173d27; --pqa-strong: #9be3b6; --pqa-good-bg: #1b2d4d; --pqa-good: #a9c6f5;
  --pqa-weak-bg: #2c2c2c; --pqa-weak: #bbbbbb; }
.pqa-question { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.pqa-answer { font-size: 0.95rem; line-height: 1.5; }
.pqa-heading { font-weight: 600; margin: 0 0 0.4rem; color: var(--body-text-color-subdued, #666); font-size: 0.85rem;
  text-transform: uppercase; letter-spacing: 0.03em; }
.pqa-banner { margin: 0 0 0.6rem; padding: 0.55rem 0.75rem; border-radius: 8px; background: var(--pqa-banner-bg);
  border: 1px solid var(--pqa-banner-border); color: var(--pqa-banner-text); }
.pqa-notice { margin: 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--pqa-notice-bg);
  border: 1px solid var(--pqa-notice-border); color: var(--pqa-notice-text); }
.pqa-info { margin: 0; padding: 0.5rem 0.75rem; border-radius: 8px; background: var(--pqa-good-bg);
  color: var(--pqa-good); }
ol.pqa-hits { list-style: none; margin: 0; padding: 0; }
.pqa-hit { margin: 0 0 0.7rem; padding: 0.6rem 0.75rem; border: 1px solid var(--border-color-primary, #ddd);
  border-radius: 10px; background: var(--background-fill-primary, #fff); }
.pqa-hit.pqa-closest { border-style: dashed; }
.pqa-hit-head { display: flex; flex-wrap: wrap; align-items: center; gap: 0.35rem 0.6rem; margin-bottom: 0.3rem; }
.pqa-rank { display: inline-flex; width: 1.4rem; height: 1.4rem; align-items: center; justify-content: center;
  border-radius: 50%; background: var(--color-accent-soft, #eef); font-size: 0.75rem; font-weight: 600; }
a.pqa-cite { font-weight: 600; color: var(--color-accent, #4f46e5) !important; text-decoration: none; }
a.pqa-cite:hover, a.pqa-link:hover { text-decoration: underline; }
a.pqa-link { color: var(--color-accent, #4f46e5) !important; }
.pqa-rel { display: inline-flex; align-items: center; gap: 0.35rem; font-size: 0.78rem; padding: 0.05rem 0.5rem;
  border-radius: 999px; margin-left: auto; white-space: nowrap; }
.pqa-rel-strong { background: var(--pqa-strong-bg); color: var(--pqa-strong); }
.pqa-rel-good { background: var(--pqa-good-bg); color: var(--pqa-good); }
.pqa-rel-weak { background: var(--pqa-weak-bg); color: var(--pqa-weak); }
.pqa-bars { display: inline-flex; gap: 2px; align-items: flex-end; }
.pqa-bars i { display: inline-block; width: 4px; border-radius: 1px; background: currentColor; }
.pqa-bars i:nth-child(1) { height: 6px; } .pqa-bars i:nth-child(2) { height: 9px; }
.pqa-bars i:nth-child(3) { height: 12px; } .pqa-bars i.off { opacity: 0.25; }
.pqa-text { display: block; margin: 0; overflow-wrap: anywhere;
  color: color-mix(in srgb, var(--body-text-color, #222) 70%, #0000); }
mark.pqa-mark { background: var(--pqa-mark); color: var(--body-text-color, #222); padding: 0 2px; border-radius: 3px;
  box-decoration-break: clone; -webkit-box-decoration-break: clone; }
.pqa-links { display: block; margin: 0.4rem 0 0; font-size: 0.85rem; }
.pqa-links-label { color: var(--body-text-color-subdued, #666); }
.pqa-plain { margin-top: 0.2rem; font-size: 0.85rem; }
.pqa-expansion { margin: 0.3rem 0 0; font-size: 0.85rem; color: var(--body-text-color-subdued, #666); }
.pqa-plain summary { cursor: pointer; color: var(--body-text-color-subdued, #666); }
.pqa-plain pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.8rem; }
.pqa-policy { max-width: 760px; margin: 0 auto; line-height: 1.6; }
.pqa-policy h2 { margin: 0.2rem 0; }
.pqa-updated { margin: 0 0 0.8rem; color: var(--body-text-color-subdued, #666); }
.pqa-toc ul { columns: 2; margin: 0 0 1rem; padding: 0; list-style: none; font-size: 0.9rem; }
.pqa-toc li { margin: 0 0 0.25rem; }
.pqa-section h3 { margin: 1.4rem 0 0.5rem; padding-bottom: 0.2rem;
  border-bottom: 1px solid var(--border-color-primary, #ddd); }
.pqa-clause { display: flex; gap: 0.7rem; padding: 0.35rem 0.5rem; border-radius: 8px; scroll-margin-top: 5rem;
  transition: background-color 0.6s; }
.pqa-clause-id { flex: 0 0 2.6rem; font-size: 0.8rem; padding-top: 0.2rem; text-decoration: none;
  color: var(--body-text-color-subdued, #666) !important; }
.pqa-clause-text { margin: 0; overflow-wrap: anywhere; }
.pqa-clause.pqa-target { background: var(--pqa-target); box-shadow: inset 3px 0 0 #f0b400; }
@media (max-width: 640px) {
  .pqa-hit { padding: 0.5rem; }
  .pqa-rel { margin-left: 0; }
  .pqa-toc ul { columns: 1; }
  .pqa-clause { flex-direction: column; align-items: flex-start; gap: 0; }
  .pqa-clause-id { flex: none; padding: 0; }
}
"""


@dataclass(frozen=True)
class Relevance:
    """A match strength people read at a glance: a label and 1..3 filled bars."""

    label: str
    level: int


def relevance(score: float, *, strong: float = STRONG_MATCH, good: float = GOOD_MATCH) -> Relevance:
    """The label for a similarity score: relevance(0.62) -> Relevance("strong match", 3)."""
    if score >= strong:
        return Relevance("strong match", 3)
    if score >= good:
        return Relevance("good match", 2)
    return Relevance("weak match", 1)


def hit_similarity(hit: Hit) -> float:
    """The plain cosine similarity of the hit's best sentence (no query adapter), the scale
    `relevance` expects; "dense" for answers made without that signal."""
    return hit.scores.get("similarity", hit.scores.get("dense", hit.score))


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


def relevance_html(hit: Hit) -> str:
    """Three bars (filled by strength) and the words "strong/good/weak match"."""
    similarity = hit_similarity(hit)
    strength = relevance(similarity)
    kind = strength.label.split()[0]
    bars = "".join(f'<i class="{"on" if n <= strength.level else "off"}"></i>' for n in (1, 2, 3))
    return (
        f'<span class="pqa-rel pqa-rel-{kind}" title="similarity {similarity:.2f}">'
        f'<span class="pqa-bars" aria-hidden="true">{bars}</span>{strength.label}</span>'
    )


def hit_html(hit: Hit, *, policy: Policy, closest: bool = False) -> str:
    """One cited clause: citation link, relevance, text with the best sentence marked, links."""
    css = "pqa-hit pqa-closest" if closest else "pqa-hit"
    head = (
        f'<div class="pqa-hit-head"><span class="pqa-rank">{hit.rank}</span>'
        f"{clause_link(hit.clause_id, hit.citation, css_class='pqa-cite')}{relevance_html(hit)}</div>"
    )
    text = f'<p class="pqa-text">{highlight(hit.text, hit.sentence_start, hit.sentence_end)}</p>'
    links = links_html(hit, policy=policy)
    return f'<li class="{css}" data-hit="{escape(hit.clause_id, quote=True)}">{head}{text}{links}</li>'


def answer_text(answer: Answer) -> str:
    """A plain-text answer to copy: the question, then each citation with its best sentence."""
    lines = [f"Q: {answer.question}"]
    if not answer.covered:
        lines.append(" ".join(filter(None, [NOT_COVERED, answer.reason, "Closest clauses:"])))
    for hit in answer.hits:
        lines.append(f"{hit.rank}. {hit.citation} ({relevance(hit_similarity(hit)).label})")
        lines.append(f"   “{hit.sentence}”")
    return "\n".join(lines)


def answer_html(answer: Answer, *, policy: Policy) -> str:
    """An answer as one HTML fragment (no blank lines, so Markdown leaves it alone).

    Covered: the hits best first. Not covered: a banner, then the closest clauses
    marked as such. A corrected question (`Answer.corrected`) is noted first, the words the
    search added (`Answer.expansion`) after the clauses; last, a collapsible plain-text copy.
    """
    parts = ['<div class="pqa-answer">']
    if answer.corrected:
        parts.append(f'<p class="pqa-expansion">{escape(corrected_text(answer.corrected))}</p>')
    if not answer.covered:
        parts.append(
            f'<p class="pqa-banner" role="status"><strong>{NOT_COVERED}</strong> '
            f"{escape(answer.reason + ' ') if answer.reason else ''}"
            "The closest clauses are shown below; read them with care.</p>"
        )
    if answer.hits:
        heading = "Closest clauses" if not answer.covered else "Cited clauses, best first"
        parts.append(f'<p class="pqa-heading">{heading}</p><ol class="pqa-hits">')
        parts.extend(hit_html(hit, policy=policy, closest=not answer.covered) for hit in answer.hits)
        parts.append("</ol>")
    if answer.expansion:
        parts.append(f'<p class="pqa-expansion">{escape(expansion_text(answer.expansion))}</p>')
    parts.append(
        '<details class="pqa-plain"><summary>Plain text to copy</summary>'
        f"<pre>{escape(answer_text(answer))}</pre></details></div>"
    )
    # subtle: a blank line would end Markdown's raw-HTML block, so the only newlines
    # left (inside <pre>) become character references.
    return "".join(parts).replace("\n", "&#10;")


def question_html(question: str, *, limit: int = 400) -> str:
    """The user's question shown literally, cut at `limit` characters.

    question_html("<b>") -> '<p class="pqa-question">&lt;b&gt;</p>'
    """
    shown = question if len(question) <= limit else question[:limit].rstrip() + " …"
    return f'<p class="pqa-question">{text_html(shown)}</p>'


def notice_html(message: str, *, lead: str = "Can’t answer that") -> str:
    """Why a question got no answer (an error message from `ask`), as one friendly line."""
    return f'<p class="pqa-notice" role="alert"><strong>{escape(lead)}:</strong> {text_html(message)}</p>'
