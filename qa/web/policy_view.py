"""The policy -> escaped HTML for the web app: the page heading, the whole policy view, and the
notes on choosing, adding and removing a policy.

Pure functions, no Gradio, built from `qa.web.render`'s helpers and styled by its
`STYLESHEET`. Each clause is anchored as `clause-<id>`, where `qa.web.render.clause_link`
points.
"""

from __future__ import annotations

from html import escape

from qa.types import Clause, Policy
from qa.web.render import clause_anchor, clause_link, text_html


def header_html(policy: Policy) -> str:
    """The page heading: app name, the policy's title and date, and how citations work."""
    updated = f", updated {policy.updated}" if policy.updated else ""
    return (
        f"<h1>PolicyQA <span>· {escape(policy.title + updated)}</span></h1>"
        "<p>Ask in your own words. Each answer cites the clauses it comes from, best first, with the "
        "matching sentence highlighted; click a citation to read it in the full policy.</p>"
    )


def policy_summary(policy: Policy) -> str:
    """policy_summary(p) -> "Acme Cloud Privacy Policy (8 clauses in 4 sections)"."""
    return f"{policy.title} ({len(policy.clauses)} clauses in {len(policy.sections)} sections)"


def switched_html(policy: Policy) -> str:
    """The chat's first line after choosing another policy."""
    return f'<p class="pqa-info" role="status">Now answering from {text_html(policy_summary(policy))}.</p>'


def added_html(name: str, policy: Policy) -> str:
    """The upload form's note once a policy file is indexed."""
    return (
        f'<p class="pqa-info" role="status">Added <strong>{text_html(name)}</strong>: '
        f"{text_html(policy_summary(policy))}. It is now the chosen policy; ask away on the Ask tab.</p>"
    )


def removed_html(name: str) -> str:
    """The remove form's note once an added policy is gone."""
    return f'<p class="pqa-info" role="status">Removed <strong>{text_html(name)}</strong>: its file and its index.</p>'


def _clause_html(clause: Clause) -> str:
    label = clause.id if clause.number is not None else f"¶{clause.id.split('.p')[-1]}"
    return (
        f'<div class="pqa-clause" id="{escape(clause_anchor(clause.id), quote=True)}">'
        f"{clause_link(clause.id, label, css_class='pqa-clause-id')}"
        f'<p class="pqa-clause-text">{text_html(clause.text)}</p></div>'
    )


def policy_html(policy: Policy) -> str:
    """The whole policy: title, contents, then each section with its clauses anchored as `clause-<id>`."""
    updated = f'<p class="pqa-updated">Updated {escape(policy.updated)}</p>' if policy.updated else ""
    toc = "".join(
        f'<li><a href="#section-{escape(s.letter, quote=True)}">{escape(_section_heading(s.letter, s.title))}</a></li>'
        for s in policy.sections
    )
    parts = [
        f'<article class="pqa-policy"><header><h2>{escape(policy.title)}</h2>{updated}</header>',
        f'<nav class="pqa-toc" aria-label="Sections"><ul>{toc}</ul></nav>',
    ]
    for section in policy.sections:
        clauses = "".join(_clause_html(c) for c in policy.clauses if c.section == section.letter)
        heading = escape(_section_heading(section.letter, section.title))
        parts.append(
            f'<section class="pqa-section" id="section-{escape(section.letter, quote=True)}">'
            f"<h3>{heading}</h3>{clauses}</section>"
        )
    parts.append("</article>")
    return "".join(parts).replace("\n", "&#10;")


def _section_heading(letter: str, title: str) -> str:
    """_section_heading("C", "Disclosure") -> "C. Disclosure"; the preamble has no letter."""
    return title if letter == "P" else f"{letter}. {title}"
