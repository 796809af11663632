from __future__ import annotations

import pytest

from qa.errors import PolicyError
from qa.read.blocks import Block, group_lines, is_chrome, title_case
from qa.read.documents import parse_policy
from qa.read.html import read_html

SECTIONS = [
    ("P", "Preamble"),
    ("A", "Collection of Information"),
    ("B", "Use of Personal Data"),
    ("C", "Disclosure of Personal Data"),
    ("D", "Right to Access/Correct Personal Data"),
    ("E", "Cookies"),
    ("F", "Minors"),
    ("G", "Security Measures"),
    ("H", "Changes to This Privacy Policy"),
    ("I", "Your Feedback"),
]

CLAUSE_IDS = (
    ["P.p1", "P.p2", "P.p3"]
    + [f"A.{n}" for n in range(1, 9)]
    + ["B.p1"]
    + [f"B.{n}" for n in range(1, 10)]
    + [f"C.{n}" for n in range(1, 9)]
    + ["D.p1", "D.p2", "D.p3", "D.p4", "E.p1", "E.p2", "E.p3", "E.p4", "F.p1"]
    + ["G.p1", "G.p2", "G.p3", "H.p1", "I.p1", "I.p2"]
)

CHROME = [
    "Manage Orders",
    "Submit a Dispute",
    "Report IPR Infringement",
    "All rights reserved",
    "Message Center",
    "Get Quotations",
    "Back to list",
    "Classification of Rules",
    "Free APP",
    "Taobao Marketplace",
    "Browse Alphabetically",
    "Contact Us",
    "Español",
    "icburule",
    "Trade Assurance",
    "Hi,",
]


def test_sections_in_order_with_titles(policy):
    assert [(s.letter, s.title) for s in policy.sections] == SECTIONS
    assert policy.title == "Privacy Policy"
    assert policy.updated == "November 2015"


def test_every_clause_id_in_document_order(policy):
    assert [c.id for c in policy.clauses] == CLAUSE_IDS


def test_clause_numbers_are_joined_to_their_own_text(policy):
    a3 = policy.clause("A.3")
    assert (a3.section, a3.section_title, a3.number) == ("A", "Collection of Information", 3)
    assert a3.text.startswith("In connection with any transaction and payment services")
    assert a3.text.endswith("procured through the Sites.")
    assert policy.clause("B.9").text.startswith("making such disclosures")
    assert policy.clause("C.8").text.endswith("advertised by those parties.")
    assert policy.clause("B.p1").number is None


@pytest.mark.parametrize(
    ("clause_id", "citation"),
    [
        ("C.6", "§C.6 Disclosure of Personal Data"),
        ("B.p1", "§B ¶1 Use of Personal Data"),
        ("E.p2", "§E ¶2 Cookies"),
        ("P.p1", "Preamble ¶1"),
    ],
)
def test_citations(policy, clause_id, citation):
    assert policy.clause(clause_id).citation == citation


def test_spans_point_into_the_cleaned_text(policy):
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text


@pytest.mark.parametrize("chrome", CHROME)
def test_no_navigation_or_footer_text(policy, chrome):
    assert chrome not in policy.text
    assert not any(chrome in c.text for c in policy.clauses)


def test_scraping_damage_is_repaired(policy):
    assert "&amp" not in policy.text and "&gt" not in policy.text
    assert "Alibaba Advertising Co., Ltd., No. 699, Wangshang Road" in policy.clause("D.p3").text
    assert "No. 699, Wangshang Road" in policy.clause("I.p2").text
    assert policy.clause("B.8").text.endswith('("Voluntary Information"); and')
    assert "process orders; and v) track progress" in policy.clause("E.p3").text


def test_section_d_address_lines_stay_with_their_request(policy):
    d2 = policy.clause("D.p2")
    assert d2.text.split("\n") == [
        "If you have any questions regarding this Privacy Policy or if you wish to access or correct your "
        "Personal Data, you may send your request in writing to the following address:",
        "Legal Counsel, The Legal Department",
        "Alibaba.com Hong Kong Limited, 26/F, Tower One, Times Square, 1 Matheson Street, Causeway Bay, Hong Kong.",
    ]
    assert policy.clause("D.p4").text.startswith("In accordance with the applicable laws")


def test_parsing_is_deterministic(policy):
    from tests.conftest import POLICY_PATH

    assert parse_policy(POLICY_PATH.read_text(encoding="utf-8")) == policy


def test_mangled_entities_are_repaired():
    blocks = read_html("<p>Source Products &amp.\nSuppliers &gt.\nmore and more words to read as prose.</p>")
    assert blocks == [Block(("Source Products & Suppliers > more and more words to read as prose.",), bold=False)]


@pytest.mark.parametrize(
    ("heading", "title"),
    [
        ("COLLECTION OF INFORMATION", "Collection of Information"),
        ("RIGHT TO ACCESS/CORRECT PERSONAL DATA", "Right to Access/Correct Personal Data"),
        ("THE END", "The End"),
        ("CCTV", "CCTV"),
        ("CCTV AND GDPR/SMS NOTICES", "CCTV and GDPR/SMS Notices"),
        ("MY DATA (2024)", "My Data (2024)"),
        ("YOUR CCPA RIGHTS IN THE EEA/UK", "Your CCPA Rights in the EEA/UK"),
    ],
)
def test_title_case(heading, title):
    assert title_case(heading) == title


def test_group_lines_keeps_address_with_its_request():
    lines = ("Intro.", "Write to:", "Legal Dept", "1 Street, HK.", "Next.")
    assert group_lines(lines) == ["Intro.", "Write to:\nLegal Dept\n1 Street, HK.", "Next."]


@pytest.mark.parametrize(
    ("text", "chrome"),
    [
        ("Alibaba Group | Taobao | Tmall.com | Juhuasuan", True),
        ("© 1999-2015 Alibaba.com. All rights reserved.", True),
        ("Contact Us - Product Listing Policy - Privacy Policy - Terms of Use", True),
        ("We may share your Account Information with banks - or vendors.", False),
    ],
)
def test_is_chrome(text, chrome):
    assert is_chrome(Block((text,), bold=False)) is chrome


def test_small_policy_with_numbered_and_plain_paragraphs():
    html = (
        "<ul><li>Menu</li></ul><p>Intro text.</p><p><strong>A.\nDATA</strong></p>"
        "<p>1.\nWe collect names.</p><p>Plain paragraph.</p><p><b>B.\nMORE</b></p><p>Last.</p>"
        "<p>Home | About | Jobs | Help</p>"
    )
    policy = parse_policy(html)
    assert [(c.id, c.citation, c.text) for c in policy.clauses] == [
        ("P.p1", "Preamble ¶1", "Intro text."),
        ("A.1", "§A.1 Data", "We collect names."),
        ("A.p1", "§A ¶1 Data", "Plain paragraph."),
        ("B.p1", "§B ¶1 More", "Last."),
    ]


def test_page_without_policy_text_is_an_error():
    with pytest.raises(PolicyError, match="no policy text"):
        parse_policy("<ul><li>Only navigation</li></ul>")
