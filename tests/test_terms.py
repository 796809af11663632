from __future__ import annotations

from qa.read.documents import parse_policy
from qa.read.terms import expansions, find_definitions, find_references, terms_used

DEFINED = [
    ("Site", "P.p1"), ("Sites", "P.p1"), ("Alibaba", "P.p3"), ("Registration Information", "A.2"),
    ("Account Information", "A.3"), ("Activities Information", "A.4"), ("Event Information", "A.5"),
    ("Browsing Information", "A.6"), ("Business Data", "A.7"), ("Personal Data", "A.7"),
    ("Marketing Data", "B.7"), ("Membership", "B.7"), ("Memberships", "B.7"),
    ("Voluntary Information", "B.8"), ("Service Providers", "C.1"),
]  # fmt: skip


def test_definitions_are_detected_from_the_text(policy):
    assert [(d.term, d.clause_id) for d in find_definitions(policy)] == DEFINED


def test_gist_is_what_the_term_stands_for(policy):
    gists = {d.term: d.gist for d in find_definitions(policy)}
    assert gists["Account Information"] == (
        "bank account numbers, billing and delivery information, credit/debit card numbers and expiration dates "
        "and tracking information from cheques or money orders"
    )
    assert gists["Event Information"] == "user name, address, phone number, fax number and email address"
    assert gists["Service Providers"].startswith("data entry, database management")
    assert not gists["Service Providers"].endswith(")")


def test_terms_used_by_a_clause_name_their_defining_clause(policy):
    definitions = find_definitions(policy)
    assert terms_used(policy.clause("C.6"), definitions) == (
        ("Sites", "P.p1"), ("Account Information", "A.3"), ("Personal Data", "A.7"),
    )  # fmt: skip
    # "Alibaba.com" is a site name, not a use of the defined term "Alibaba"; a clause never uses its own term.
    assert terms_used(policy.clause("P.p1"), definitions) == (("Alibaba", "P.p3"),)
    assert ("Account Information", "A.3") not in terms_used(policy.clause("A.3"), definitions)


def test_expansions_go_one_level_deep(policy):
    definitions = find_definitions(policy)
    used = {clause.id: terms_used(clause, definitions) for clause in policy.clauses}
    expanded = expansions(definitions, used)
    assert "bank account numbers" in expanded["Personal Data"]  # A.7 names Account Information
    assert "bank account numbers" not in expanded["Event Information"]


def test_cross_references_resolve_to_clause_ids(policy):
    b_items = tuple(f"B.{n}" for n in range(1, 10))
    assert find_references(policy.clause("C.1"), policy) == b_items
    assert find_references(policy.clause("C.3"), policy) == ("B.9",)
    assert find_references(policy.clause("C.4"), policy) == ("C.2", "C.3", *b_items)
    assert find_references(policy.clause("F.p1"), policy) == ("D.p1", "D.p2", "D.p3", "D.p4")
    assert find_references(policy.clause("A.1"), policy) == ()


def test_definitions_and_references_in_another_policy():
    html = (
        "<p><b>A.\nDATA</b></p><p>1.\nWe collect your name and email (\u201cContact Data\u201d).</p>"
        "<p>2.\nWe keep Contact Data safe, see A.1 or paragraph B below.</p><p><b>B.\nRIGHTS</b></p>"
        "<p>Write to us.</p><p>See A.1 - A.2 and section Z.</p>"
    )
    policy = parse_policy(html)
    definitions = find_definitions(policy)
    assert [(d.term, d.clause_id, d.gist) for d in definitions] == [
        ("Contact Data", "A.1", "We collect your name and email")
    ]
    assert terms_used(policy.clause("A.2"), definitions) == (("Contact Data", "A.1"),)
    assert find_references(policy.clause("A.2"), policy) == ("A.1", "B.p1", "B.p2")
    assert find_references(policy.clause("B.p2"), policy) == ("A.1", "A.2")  # unknown section Z ignored


def test_definitions_from_stored_sentences_match_splitting_again(policy):
    from qa.read.sentences import split_sentences

    sentences = tuple(s for clause in policy.clauses for s in split_sentences(clause))
    assert find_definitions(policy, sentences) == find_definitions(policy)


def test_glossary_entries_are_definitions():
    """An HTML <dl> of terms: each <dt> joined to its <dd> starts a clause "Term: ..."."""
    from pathlib import Path

    from qa.read.documents import load_policy

    policy = load_policy(Path(__file__).parent / "data" / "docs" / "tinkerbox.html")
    definitions = find_definitions(policy)
    assert [(d.term, d.clause_id) for d in definitions] == [
        ("Device", "S1.p1"), ("Child Profile", "S1.p2"), ("Usage Data", "S1.p3"),
    ]  # fmt: skip
    assert definitions[0].gist == "A TinkerBox hub, sensor or robot connected to your home network"
    assert terms_used(policy.clause("S4.p1"), definitions) == (("Usage Data", "S1.p3"),)


def test_means_definitions():
    policy = parse_policy(
        '<p><b>1. TERMS</b></p><p>In this notice, "Usage Data" means information about how you use the app. '
        "We also log errors.</p><p><b>2. USE</b></p><p>We study Usage Data to fix bugs.</p>"
    )
    definitions = find_definitions(policy)
    assert [(d.term, d.clause_id, d.gist) for d in definitions] == [
        ("Usage Data", "1.p1", "information about how you use the app")
    ]
    assert terms_used(policy.clause("2.p1"), definitions) == (("Usage Data", "1.p1"),)


def test_means_definitions_of_several_terms_at_once():
    policy = parse_policy(
        '<p><b>1. TERMS</b></p><p>"Personal Data" or "Personal Information" means any information about you.</p>'
        "<p><b>2. USE</b></p><p>We never sell Personal Information or Personal Data.</p>"
    )
    definitions = find_definitions(policy)
    assert [(d.term, d.gist) for d in definitions] == [
        ("Personal Data", "any information about you"),
        ("Personal Information", "any information about you"),
    ]


def test_labelled_contact_details_are_not_a_glossary():
    policy = parse_policy(
        "<p><b>1. CONTACT US</b></p><p>Address: Acme Inc, 1 Main Street, Springfield, IL 62704.</p>"
        "<p>Email: write to privacy@acme.example and we will reply.</p>"
        "<p><b>2. USE</b></p><p>We use your Email and Address to send you receipts for every order.</p>"
    )
    assert [c.text.split(":")[0] for c in policy.clauses[:2]] == ["Address", "Email"]
    assert find_definitions(policy) == ()


def test_a_lone_label_or_a_table_of_labels_is_not_a_glossary():
    prose = "<p>We collect the data you give us when you create an account and when you buy something.</p>"
    lone = parse_policy(
        "<p><b>1. DEFINITIONS</b></p><p>Note: this privacy policy was last updated in March 2024 after a review.</p>"
        + prose
    )
    assert lone.clause("1.p1").text.startswith("Note: this privacy policy")
    assert find_definitions(lone) == ()
    rows = "".join(
        f"<tr><td>{what} data</td><td>Kept for billing and for tax records, as the law requires</td></tr>"
        for what in ("Account", "Payment")
    )
    head = "<thead><tr><th>Category</th><th>Retention</th></tr></thead>"
    table = parse_policy(f"<p><b>1. KEY TERMS</b></p>{prose}<table>{head}<tbody>{rows}</tbody></table>")
    assert [c.text.split(":")[0] for c in table.clauses][1:] == ["Category", "Category"]
    assert find_definitions(table) == ()
