"""qa.asked_for: which questions ask for a time period, an amount or a phone number, and which texts state one."""

from __future__ import annotations

import pytest

from qa.coverage.asked_for import AMOUNT, PERIOD, PHONE, asked_for, unstated


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long do you keep my data?", "period"),
        ("how soon will you answer my access request", "period"),
        ("How many days until my account is deleted?", "period"),
        ("Within how many hours will you tell me about a breach?", "period"),
        ("How much does a Gold Supplier membership cost per year?", "amount"),
        ("How much money do you make from my data?", "amount"),
        ("What are the seller fees on AliExpress?", "amount"),
        ("What is the price of a data access request?", "amount"),
        ("Who can see my bank details?", None),
        ("How much of my data do you collect?", None),  # "how much" without cost: a quantity, not checked
        ("Will I be charged a fee for a data access request?", None),  # yes or no
        ("How do you use cookies?", None),
        ("How much personal information do you collect when I make a purchase?", None),  # a quantity
        ("How much of my data is shared when I pay with a credit card?", None),
        ("How many business days until you answer?", "period"),
        ("What's the fee for a copy of my data?", "amount"),
        ("How much do I pay for a membership?", "amount"),
        ("When does an amended policy take effect?", None),
        ("How long must my password be?", None),  # a length of text
        ("How long can a product review be?", None),
        ("How long will it be before you delete my data?", "period"),
        ("How long should my data be kept after I leave?", "period"),
        ("How long will my messages be kept?", "period"),  # kept: a time, not a length
        ("How long will my name be stored after I close my account?", "period"),
        ("How long will your reviews be visible?", "period"),
        ("How long should my user name be retained?", "period"),
        ("How long must my password be at least?", None),
        ("What's the phone number for customer support?", "phone"),
        ("What is your customer service number?", "phone"),
        ("Which number do I call to complain?", "phone"),
        ("How can I call you about my data?", "phone"),
        ("Do you collect my phone number?", None),  # the user's own number: a question about collection
        ("What is the phone number I gave you used for?", None),
        ("What is the purpose of collecting my phone number?", None),
        ("Can I change my phone number myself online?", None),
        ("", None),
    ],
)
def test_kind_asked_for(question, kind):
    found = asked_for(question)
    assert (found.name if found else None) == kind


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("We keep your data for 30 days.", True),
        ("Logs are deleted after twelve months.", True),
        ("We retain it for as long as your account is active.", True),
        ("Your data stays with us until you close your account.", True),
        ("The retention period depends on the law.", True),
        ("We answer within a reasonable time.", True),
        ("Cookies expire when you close the browser.", True),
        ("We reply within thirty (30) days.", True),
        ("Backups are overwritten after fourteen days.", True),
        ("We tell you of a breach without undue delay.", True),
        ("We delete it as soon as reasonably practicable.", True),
        ("We keep it while your account is active.", True),
        ("We record and retain details of users' activities on the Sites.", False),
        ("We may share your Account Information with banks.", False),
        ("We will keep it safe for you.", False),
    ],
)
def test_period_evidence(text, states):
    assert bool(PERIOD.evidence.search(text)) is states


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("We may charge a reasonable fee for processing your request.", True),
        ("Membership costs $2,999 a year.", True),
        ("It costs 100 dollars.", True),
        ("The annual fee is RMB 100.", True),
        ("A copy costs 50 €.", True),
        ("We do not charge for access requests.", True),
        ("You can use the basic plan for free.", True),
        ("We provide this service free of charge.", True),
        ("We may charge you.", False),  # that there is a charge, not what it is
        ("We collect payment and billing details.", False),
        ("Feel free to contact us.", False),
    ],
)
def test_amount_evidence(text, states):
    assert bool(AMOUNT.evidence.search(text)) is states


@pytest.mark.parametrize(
    ("text", "states"),
    [
        ("Call us at 1-800-555-0199 or write to us.", True),
        ("Telephone: +44 20 7946 0958", True),
        ("Our hotline is (852) 2215 5100.", True),
        ("We collect your name, phone number and fax number.", False),
        ("Membership costs $2,999 a year.", False),
        ("Updated November 2015; see clause 3.1.", False),
    ],
)
def test_phone_evidence(text, states):
    assert bool(PHONE.evidence.search(text)) is states


def test_unstated_looks_at_every_text():
    question = "How long do you keep my data?"
    assert unstated(question, []) is PERIOD
    assert unstated(question, ["We keep it.", "We share it."]) is PERIOD
    assert unstated(question, ["We keep it.", "Deleted after 2 years."]) is None
    assert unstated("Who can see my data?", ["We keep it."]) is None
