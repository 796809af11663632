"""The policy -> escaped HTML for the web app: the page heading (whose policy, of when), the whole
policy view, and the notes on choosing, adding and removing a policy.

Pure functions, no Gradio, built from `qa.web.render`'s helpers and styled by its
`STYLESHEET`. Each clause is anchored as `clause-<id>`, where `qa.web.render.clause_link`
points.
"""

from __future__ import annotations

import re
from html import escape

from qa.types import Clause, Policy
from qa.web.render import clause_anchor, clause_body_html, clause_link, text_html

# "… Privacy Policy", "… privacy notice", "… Cookie Statement", "… Privacy Act Statement": what a title
# calls the document; the words before it name whose it is.
_DOCUMENT = re.compile(
    r"\b(?:privacy(?:\s+act)?|cookies?|data[ -]protection|personal\s+data)\s+(?:and\s+cookies?\s+)?"
    r"(?:policy|notice|statement)\b",
    re.IGNORECASE,
)
# Words between an organisation's name and the document's ("Harbor Credit Union Online Privacy Notice"),
# and titles that name no one ("Our Privacy Policy", "Website Privacy Policy", "Europe privacy policy").
_QUALIFIERS = frozenset(
    {"our", "the", "this", "website", "web", "site", "online", "customer", "consumer", "global", "europe", "european",
     "eu", "uk", "us", "california", "general", "updated", "new", "revised"}
)  # fmt: skip
_PRONOUNS = frozenset({"we", "us", "our", "ours", "ourselves"})
_GENERIC_NAMES = frozenset({"company", "the company", "service", "services", "site", "sites", "website", "platform"})
_PARENTHESES = re.compile(r"\(([^()]{1,160})\)")
_QUOTED = re.compile(r"[\"“”‘’']\s*([^\"“”‘’']{1,60}?)[\s,]*[\"“”‘’']")
_SENTENCE_START = re.compile(r"(?<=[.!?:])\s+")
# The way back from the policy view to the chat; page.js shows the first label after a citation was followed.
BACK = (
    '<div class="pqa-policy-bar"><button type="button" class="pqa-back"><span class="pqa-to-answer">'
    '← Back to the answer</span><span class="pqa-to-chat">← Back to the chat</span></button></div>'
)
# How many of the first clauses are read for the "we" definition when a policy has no preamble.
_OPENING_CLAUSES = 3


def _qualifier(word: str) -> bool:
    return re.sub(r"[’']s$", "", word.lower()) in _QUALIFIERS


def organisation_in_title(title: str) -> str | None:
    """Whose policy a title says it is: the words before "Privacy Policy" (or Notice, Statement, …),
    less words like "Online" or "Customer"; None when the title names no one.

    >>> organisation_in_title("Harbor Credit Union Online Privacy Notice"), organisation_in_title("Privacy Policy")
    ('Harbor Credit Union', None)
    """
    found = _DOCUMENT.search(title)
    if found is None:
        return None
    words = re.sub(r"[\s\-–—:|·,]+$", "", title[: found.start()]).split()
    while words and _qualifier(words[-1]):
        words.pop()
    if not words or all(_qualifier(word) for word in words):
        return None
    return " ".join(words)


def organisation_defined_as_we(text: str) -> str | None:
    """The organisation a passage defines as "we": the first name quoted beside "we" in parentheses,
    else the words before those parentheses when they start a sentence and are short.

    >>> organisation_defined_as_we('Acme Cloud ("Acme", "we", "us") provides file storage.')
    'Acme'
    >>> organisation_defined_as_we('The Qubes OS Project ("us", "we", or "our") operates the site.')
    'The Qubes OS Project'
    """
    for parentheses in _PARENTHESES.finditer(text):
        terms = [term.strip().rstrip(",").strip() for term in _QUOTED.findall(parentheses.group(1))]
        if not any(term.lower() in _PRONOUNS for term in terms):
            continue
        names = [term for term in terms if term.lower() not in _PRONOUNS | _GENERIC_NAMES]
        if names:
            return names[0]
        before = _SENTENCE_START.split(text[: parentheses.start()])[-1]
        before = " ".join(re.sub(r"\([^()]*\)", "", before).split())
        if before[:1].isupper() and len(before.split()) <= 8:
            return before
    return None


def organisation(policy: Policy) -> str | None:
    """Whose policy it is: named in its title ("Acme Cloud Privacy Policy" -> "Acme Cloud"), else the
    first organisation its preamble (or, without one, its first clauses) defines as "we" (the shipped
    "Privacy Policy" defines "Alibaba" so); None when neither says."""
    named = organisation_in_title(policy.title)
    if named:
        return named
    opening = [c for c in policy.clauses if c.section == "P"] or list(policy.clauses[:_OPENING_CLAUSES])
    for clause in opening:
        defined = organisation_defined_as_we(clause.text)
        if defined:
            return defined
    return None


def policy_name(policy: Policy) -> str:
    """The policy as people call it, naming whose it is: "Acme Cloud Privacy Policy" as it is; the
    shipped "Privacy Policy" as "Alibaba Privacy Policy"; a title that names no one as it is."""
    if organisation_in_title(policy.title):
        return policy.title
    owner = organisation(policy)
    return f"{owner} {policy.title}" if owner else policy.title


def header_html(policy: Policy) -> str:
    """The page heading: whose policy it is and of when, and what the app does with it."""
    updated = f"Updated {escape(policy.updated)}. " if policy.updated else ""
    return (
        f'<h1>{escape(policy_name(policy))}</h1><p class="pqa-sub">{updated}<span class="pqa-how">Ask PolicyQA '
        "about it in your own words: each answer quotes the policy and links to the clause it comes from.</span></p>"
    )


def policy_summary(policy: Policy) -> str:
    """policy_summary(p) -> "Acme Cloud Privacy Policy (8 clauses in 4 sections)"."""
    return f"{policy_name(policy)} ({len(policy.clauses)} clauses in {len(policy.sections)} sections)"


def switched_html(policy: Policy) -> str:
    """The chat's first line for a policy with no conversation yet, after choosing it."""
    return (
        f'<p class="pqa-info">Now answering from {text_html(policy_summary(policy))}. The conversation about '
        "any other policy is kept: choose it again to go back to it.</p>"
    )


def added_html(name: str, policy: Policy) -> str:
    """The Add a policy tab's note once a policy file is indexed."""
    return (
        f'<p class="pqa-info" role="status">Added <strong>{text_html(name)}</strong>: '
        f"{text_html(policy_summary(policy))}. It is now the chosen policy; ask away on the Ask tab.</p>"
    )


def confirm_removal_html(name: str, title: str = "") -> str:
    """The Add a policy tab's question before an added policy is removed (`title`, when known, names it)."""
    called = f" ({text_html(title)})" if title and title != name else ""
    return (
        f'<p class="pqa-warn" role="status">Remove <strong>{text_html(name)}</strong>{called}? Its file and its index '
        "are deleted, and its conversation is closed. The shipped policy stays.</p>"
    )


def removed_html(name: str) -> str:
    """The Add a policy tab's note once an added policy is gone."""
    return f'<p class="pqa-info" role="status">Removed <strong>{text_html(name)}</strong>: its file and its index.</p>'


def _clause_html(clause: Clause) -> str:
    label = clause.id if clause.number is not None else f"¶{clause.id.split('.p')[-1]}"
    return (
        f'<div class="pqa-clause" id="{escape(clause_anchor(clause.id), quote=True)}">'
        f"{clause_link(clause.id, label, css_class='pqa-clause-id', title=f'Link to {clause.citation}')}"
        f'<div class="pqa-clause-text">{clause_body_html(clause.text)}</div></div>'
    )


def policy_html(policy: Policy, *, name: str = "") -> str:
    """The whole policy: a bar back to the answer, title, contents, then each section with its clauses
    anchored as `clause-<id>`; `name` (the policy's name in the library) tells the page's script
    which policy is shown."""
    updated = f'<p class="pqa-updated">Updated {escape(policy.updated)}</p>' if policy.updated else ""
    toc = "".join(
        f'<li><a href="#section-{escape(s.letter, quote=True)}">{escape(_section_heading(s.letter, s.title))}</a></li>'
        for s in policy.sections
    )
    parts = [
        f'<article class="pqa-policy" data-policy="{escape(name, quote=True)}">'
        f"{BACK}"
        f"<header><h2>{escape(policy_name(policy))}</h2>{updated}</header>",
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
