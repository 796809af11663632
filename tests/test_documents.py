"""Policies of other shapes: our own HTML and Markdown samples, and PolicyQA policies as text."""

from __future__ import annotations

import pytest

from qa.errors import PolicyError
from qa.read.documents import detect_format, load_policy, parse_document
from qa.read.terms import find_definitions, find_references, terms_used
from tests.conftest import DATA

DOCS = DATA / "docs"


def test_html_sample_sections_clauses_and_citations():
    policy = load_policy(DOCS / "northwind.html")
    assert (policy.title, policy.updated) == ("Northwind Traders Privacy Notice", "3 March 2024")
    assert [(s.letter, s.title) for s in policy.sections] == [
        ("P", "Preamble"), ("1", "Information We Collect"), ("2", "How We Use and Share Information"),
        ("3", "Cookies"), ("4", "Your Rights"),
    ]  # fmt: skip
    assert [c.id for c in policy.clauses] == [
        "P.p1", "1.1", "1.2", "1.p1", "2.p1", "2.p2", "2.p3", "2.p4", "3.p1", "4.p1",
    ]  # fmt: skip
    assert policy.clause("1.2").citation == "§1.2 Information We Collect"
    assert policy.clause("2.p4").citation == "§2 ¶4 How We Use and Share Information"
    assert policy.clause("2.p4").text == "We never sell your personal information to anyone."


def test_html_sample_drops_navigation_breadcrumbs_and_footer():
    policy = load_policy(DOCS / "northwind.html")
    for chrome in ("Shop", "About us", "Breadcrumbs", "Legal", "Careers", "All rights reserved", "font:"):
        assert chrome not in policy.text


def test_html_sample_terms_and_references():
    policy = load_policy(DOCS / "northwind.html")
    definitions = find_definitions(policy)
    assert ("Contact Details", "1.1") in [(d.term, d.clause_id) for d in definitions]
    assert ("Contact Details", "1.1") in terms_used(policy.clause("2.p1"), definitions)
    assert find_references(policy.clause("1.p1"), policy) == ("3.p1",)


def test_markdown_sample():
    policy = load_policy(DOCS / "acme.md")
    assert (policy.title, policy.updated) == ("Acme Cloud Privacy Policy", "May 1, 2024")
    assert [s.letter for s in policy.sections] == ["P", "A", "B", "C", "D", "E"]
    assert policy.clause("A.1").citation == "§A.1 Information We Collect"
    assert policy.clause("A.1").text.startswith("Account data. When you sign up")
    assert policy.clause("A.p1").text == "We also collect:\nIP address\nBrowser type\nPages you visit"
    assert "See section A above." in policy.clause("B.p1").text  # link text kept, URL dropped
    assert "](" not in policy.text and "**" not in policy.text


@pytest.mark.parametrize("name", ["adweek-com.txt", "buffalowildwings-com.txt", "cbsinteractive-com.txt"])
def test_policyqa_policies_as_text_keep_every_segment(name):
    segments = (DOCS / name).read_text(encoding="utf-8").strip().split("\n\n")
    policy = load_policy(DOCS / name)
    assert [c.text for c in policy.clauses] == segments
    assert [c.id for c in policy.clauses] == [f"P.p{i}" for i in range(1, len(segments) + 1)]


def test_plain_text_headings_and_numbering():
    text = (
        "PRIVACY NOTICE\n\nWe respect you and your data here.\n\n1. What We Collect\n\n"
        "We collect your email.\n\n2. Sharing\n\n1. We share it with couriers.\n"
    )
    policy = parse_document(text, "text")
    assert policy.title == "Privacy Notice"
    assert [(c.id, c.citation) for c in policy.clauses] == [
        ("P.p1", "Preamble ¶1"),
        ("1.p1", "§1 ¶1 What We Collect"),
        ("2.1", "§2.1 Sharing"),
    ]


def test_unnumbered_headings_are_cited_by_title():
    policy = parse_document(
        "# Policy\n\nIntro text here.\n\n## Cookies\n\nWe use cookies.\n\n## Contact\n\nMail us.\n", "markdown"
    )
    assert [(c.id, c.citation) for c in policy.clauses] == [
        ("P.p1", "Preamble ¶1"), ("S1.p1", "Cookies ¶1"), ("S2.p1", "Contact ¶1"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "text", "kind"),
    [("a.html", "", "html"), ("a.md", "", "markdown"), ("a.txt", "<p>x</p>", "text"), ("a", "<div>x</div>", "html"),
     ("a", "# Title\n", "markdown"), ("a", "Plain words.", "text")],
)  # fmt: skip
def test_detect_format(tmp_path, name, text, kind):
    assert detect_format(tmp_path / name, text) == kind


def test_bad_documents_are_project_errors(tmp_path):
    with pytest.raises(PolicyError, match="unknown policy format"):
        parse_document("x", "pdf")
    with pytest.raises(PolicyError, match="no policy text"):
        parse_document("<nav><p>Only navigation in here, nothing else at all.</p></nav>", "html")
    binary = tmp_path / "p.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(PolicyError, match="UTF-8"):
        load_policy(binary)


def test_other_documents_answer_with_their_own_citations(fake_embedder):
    from qa.answer import PolicyQA
    from qa.settings import Settings
    from qa.store.build import build_store

    policy = load_policy(DOCS / "northwind.html")
    qa = PolicyQA(build_store(policy, fake_embedder, policy_sha256="x"), fake_embedder, Settings(use_adapter=False))
    top = qa.ask("cookies in my browser", k=3).hits[0]
    assert (top.clause_id, top.citation) == ("3.p1", "§3 ¶1 Cookies")


def test_html_page_with_text_only_in_divs():
    html = (
        "<html><body><div class='menu'>Home</div><div><h2>1. Data</h2>"
        "<div>We collect your email address when you register.</div></div></body></html>"
    )
    policy = parse_document(html, "html")
    assert [(c.id, c.text) for c in policy.clauses] == [("1.p1", "We collect your email address when you register.")]


def test_html_chrome_by_class_and_role_is_dropped():
    policy = load_policy(DOCS / "brightpath.html")  # cookie banner div, skip link, share buttons
    assert (policy.title, policy.updated) == ("Privacy Policy", "12 January 2025")
    policy_text = policy.text + load_policy(DOCS / "polaris.html").text + load_policy(DOCS / "verdant.html").text
    for chrome in ("cookies to improve", "Accept all", "Skip to", "Share", "LinkedIn", "uses cookies", "Careers"):
        assert chrome not in policy_text
    verdant = load_policy(DOCS / "verdant.html")  # a div.toc listing every section, "Back to top"
    assert verdant.clauses[0].text.startswith("Verdant Energy Ltd supplies")
    assert [c.id for c in verdant.clauses] == ["P.p1", "1.p1", "2.p1", "3.p1", "4.p1", "5.p1"]


def test_html_table_rows_are_clauses_labelled_by_the_header_row():
    policy = load_policy(DOCS / "brightpath.html")
    assert [s.letter for s in policy.sections] == ["1.1", "1.2", "2", "3.1", "3.2", "4"]
    assert policy.clause("2.p3").text == (
        "Category: Lesson recordings; Purpose: Quality assurance and dispute resolution; Retention: 90 days"
    )
    assert policy.clause("1.1.p1").citation == "§1.1 ¶1 Introduction › Who we are"


def test_html_ordered_list_items_are_numbered_clauses():
    policy = load_policy(DOCS / "harborbank.html")  # <p><strong>SECTION 4 – SHARING</strong></p> then an <ol>
    assert policy.clause("4.2").citation == "§4.2 Sharing"
    assert policy.clause("4.2").text.startswith("We share information with government agencies")
    assert [c.id for c in policy.clauses if c.section == "1"] == ["1.1", "1.2", "1.3"]


NESTED_MARKDOWN = """# Acme Privacy Policy

## 4. Your rights

- You may ask for a copy of the data we hold about you.
  - Copies are free once a year.
  - Further copies cost 5 EUR.
- You may ask us to delete your data.
"""
NESTED_HTML = """<h1>Acme Privacy Policy</h1><h2>4. Your rights</h2>
<p>You have these rights over the personal data we hold about you:</p>
<ul><li>You may ask for a copy of the data we hold about you.
<ul><li>Copies are free once a year.</li><li>Further copies cost 5 EUR.</li></ul></li>
<li>You may ask us to delete your data.</li></ul>"""


@pytest.mark.parametrize(("text", "kind"), [(NESTED_MARKDOWN, "markdown"), (NESTED_HTML, "html")])
def test_a_nested_list_item_belongs_to_its_parent_item_not_to_the_next_one(text, kind):
    clauses = parse_document(text, kind).clauses
    texts = [c.text for c in clauses if c.text.startswith("You may")]
    assert texts == [
        "You may ask for a copy of the data we hold about you.\nCopies are free once a year.\n"
        "Further copies cost 5 EUR.",
        "You may ask us to delete your data.",
    ]


LISTS = """# Acme Privacy Policy

## 2. Your data

- We never sell your data.
- We keep it for 30 days.
- You can delete it at any time.

You have the right to:

- Ask for a copy.
- Ask us to correct it.

## 3. Contact

Write to us at privacy@acme.example. With each request we collect:

- Name
- Email address
"""
FOLLOW_US = """
Follow us:

- Twitter
- LinkedIn
"""


def test_whole_sentence_items_stay_apart_unless_a_lead_in_gathers_them():
    assert [c.text for c in parse_document(LISTS, "markdown").clauses] == [
        "We never sell your data.",
        "We keep it for 30 days.",
        "You can delete it at any time.",
        "You have the right to:\nAsk for a copy.\nAsk us to correct it.",
        "Write to us at privacy@acme.example. With each request we collect:\nName\nEmail address",
    ]
    ends_with_links = [c.text for c in parse_document(LISTS + FOLLOW_US, "markdown").clauses]
    assert ends_with_links[-2:] == [
        "Write to us at privacy@acme.example. With each request we collect:\nName\nEmail address",
        "Follow us:",
    ]  # a short lead-in's list is a footer


NESTED_HEADINGS = {
    "html": "<h1>Acme Privacy Policy</h1><h2>3. Sharing Your Data</h2><h3>3.1 Service providers</h3>"
    "<p>We use hosting and payment providers.</p><h3>3.2 Tutors</h3><p>Tutors see your first name.</p>"
    "<h2>4. Your Rights</h2><p>You may ask for a copy of your data.</p>",
    "markdown": "# Acme Privacy Policy\n\n## 3. Sharing Your Data\n\n### 3.1 Service providers\n\n"
    "We use hosting and payment providers.\n\n### 3.2 Tutors\n\nTutors see your first name.\n\n"
    "## 4. Your Rights\n\nYou may ask for a copy of your data.\n",
    "text": "Acme Privacy Policy\n\n3 Sharing Your Data\n\n3.1 Service providers\n\n"
    "We use hosting and payment providers.\n\n3.2 Tutors\n\nTutors see your first name.\n\n"
    "4 Your Rights\n\nYou may ask for a copy of your data.\n",
}


@pytest.mark.parametrize("kind", sorted(NESTED_HEADINGS))
def test_a_subsection_is_cited_under_the_heading_it_sits_in(kind):
    policy = parse_document(NESTED_HEADINGS[kind], kind)
    assert [c.citation for c in policy.clauses] == [
        "§3.1 ¶1 Sharing Your Data › Service providers",
        "§3.2 ¶1 Sharing Your Data › Tutors",
        "§4 ¶1 Your Rights",
    ]
    assert "3.1. Service providers\n\nWe use hosting" in policy.text  # the text keeps each heading's own title


def test_a_lone_top_heading_after_a_cookie_notice_is_no_parent():
    text = (
        "We use cookies to improve your experience. By clicking Accept you agree to our use of cookies.\n\n"
        "# Acme Privacy Policy\n\n## 1. Data\n\nWe collect your name when you register.\n\n"
        "## 2. Sharing\n\nWe share your name with couriers.\n"
    )
    cited = [c.citation for c in parse_document(text, "markdown").clauses]
    assert cited[-2:] == ["§1 ¶1 Data", "§2 ¶1 Sharing"]


def test_a_glossary_is_known_by_its_own_heading_not_by_a_parent_s():
    text = (
        "# Acme Privacy Policy\n\n## 5. Your Rights Under These Terms\n\n### 5.1 Contact us\n\n"
        "Email: write to privacy@acme.example with your request.\n\nPost: Acme Ltd, 1 Main Street, Springfield.\n\n"
        "## 6. Key Terms\n\nDevice: a hub, sensor or robot on your network.\n\n"
        "Usage Data: how the app and Devices are used.\n"
    )
    policy = parse_document(text, "markdown")
    assert policy.clause("5.1.p1").citation == "§5.1 ¶1 Your Rights Under These Terms › Contact us"
    assert [d.term for d in find_definitions(policy)] == ["Device", "Usage Data"]


def test_an_item_ending_in_a_colon_leads_the_items_after_it():
    text = "# Acme\n\n## 1. Rights\n\n- We never sell data.\n- You can ask us to:\n- Delete it.\n- Correct it.\n"
    assert [c.text for c in parse_document(text, "markdown").clauses] == [
        "We never sell data.",
        "You can ask us to:\nDelete it.\nCorrect it.",
    ]


def test_html_definition_lists_and_heading_permalinks():
    policy = load_policy(DOCS / "tinkerbox.html")
    assert policy.sections[1].title == "Definitions 📖"  # the "#" permalink dropped
    assert policy.clause("S1.p2").text.startswith("Child Profile: A profile a parent creates")
    assert len(policy.clauses) == 8


def test_html_role_heading_divs_bom_crlf_and_nbsp():
    raw = (DOCS / "polaris.html").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"&nbsp;" in raw
    policy = load_policy(DOCS / "polaris.html")
    assert (policy.title, policy.updated) == ("Polaris Fitness Privacy Notice", "1 October 2024")
    assert [(s.letter, s.title) for s in policy.sections][1:] == [
        ("1", "What we collect"), ("2", "CCTV"), ("3", "Health information"), ("4", "Your rights"),
    ]  # fmt: skip
    assert policy.clause("2.p1").text.startswith("Our clubs use CCTV")


def test_markdown_table_of_contents_is_dropped():
    policy = load_policy(DOCS / "quillnote.md")
    assert policy.clause("P.p1").text.startswith('QuillNote Ltd ("QuillNote", "we") makes')
    assert [s.title for s in policy.sections] == [
        "Preamble", "Information we collect", "How we use information", "Retention", "Your choices",
    ]  # fmt: skip


def test_markdown_byte_order_mark_keeps_the_title():
    policy = parse_document("\ufeff# Acme Policy\r\n\r\nWe collect your email when you register.\r\n", "markdown")
    assert (policy.title, policy.clauses[0].text) == ("Acme Policy", "We collect your email when you register.")


def test_a_short_last_section_is_kept():
    policy = load_policy(DOCS / "meridian.md")  # "## Article V - Contact" / "Data Protection Officer: dpo@..."
    assert [s.letter for s in policy.sections] == ["P", "I", "2.1", "2.2", "2.3", "III", "IV", "V"]
    assert policy.clause("V.p1").text == "Data Protection Officer: dpo@meridian.example"


def test_clauses_numbered_within_their_section_keep_that_number():
    policy = load_policy(DOCS / "zephyr.md")
    assert (policy.title, policy.updated) == ("Zephyr Maps Privacy Statement", "3 March 2024")
    cited = {c.id: c.citation for c in policy.clauses}
    assert cited == {
        "P.p1": "Preamble ¶1",
        "1.1": "§1.1 Data we collect",
        "1.2": "§1.2 Data we collect",
        "2.p1": "§2 ¶1 How we use data",
        "3.1": "§3.1 Sharing",
        "3.2": "§3.2 Sharing",
        "4.p1": "§4 ¶1 Retention",
        "5.p1": "§5 ¶1 Contact",
    }
    sharing = next(c for c in policy.clauses if c.id == "3.1")
    assert sharing.text == "We sell aggregated, anonymised traffic statistics to city governments."
    assert policy.text[sharing.start : sharing.end] == sharing.text
    assert "3.1 We sell aggregated" in policy.text


@pytest.mark.parametrize(
    "paragraph",
    ["3.1 and 3.2 above apply to partners.", "4.1 We sell nothing.", "3.10"],
)
def test_only_the_current_sections_own_numbers_make_clauses(paragraph):
    policy = parse_document(f"## 3. Sharing\n\n{paragraph}\n\nWe also share some data with couriers.\n", "markdown")
    assert [c.id for c in policy.clauses][0] == "3.p1"
