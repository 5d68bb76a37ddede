"""One Bokmål text per meaning: words that mean different things get their own messages."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask_babel import force_locale, pgettext

from webapp.teaching.forms import AssignmentForm

CATALOGUE = Path(__file__).resolve().parent.parent / "translations" / "nb" / "LC_MESSAGES"

# Bokmål texts shared by several messages on purpose, checked by a reader: the messages mean
# the same thing (a singular and its plural, two words for one act). A new shared text fails
# the test below until someone has checked it means one thing, or given it its own wording.
SAME_MEANING = {
    "Kurs": {"Class", "Classes"},
    "Navn": {"Name", ("organisation", "Name")},
    "Tilbud": {"Offering", "Offerings"},
    "Plasser": {"Places", "Seats"},
    "Begrunnelse": {"Reason", "Why"},
    "Trekk tilbake": {"Revoke", "Withdraw"},
    "Trukket tilbake": {"Revoked", "Withdrawn"},
    "Opptak": {"Recording", "Recordings"},
    "Ord": {"Word", "Words"},
    "Muntlig": {"Oral", "Speaking"},  # the skill: the test's oral part and speaking practice
}


def _nb_texts() -> dict[str, set]:
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="nb")
    shared: dict[str, set] = defaultdict(set)
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string:
            continue
        shared[message.string].add((message.context, message.id) if message.context else message.id)
    return shared


def test_no_bokmal_text_stands_for_two_meanings():
    shared = {text: ids for text, ids in _nb_texts().items() if len(ids) > 1}
    unchecked = {text: ids for text, ids in shared.items() if SAME_MEANING.get(text) != ids}
    assert unchecked == {}


def test_the_list_of_shared_texts_is_current():
    texts = _nb_texts()
    assert {text: texts.get(text) for text in SAME_MEANING} == SAME_MEANING


# The same English words in places where they mean different things: each has its own message.
DIFFERENT_MEANINGS = [
    # who gets an assignment / who changed a learner's record
    ((None, "Who gets the work"), ("audit log", "Who")),
    # an offering open for orders / an invitation code that can still be used
    (("offering", "Open"), ("invitation code", "Open")),
]


@pytest.mark.parametrize(("one", "other"), DIFFERENT_MEANINGS)
@pytest.mark.parametrize("locale", ["nb", "uk", "ru"])
def test_words_with_different_meanings_are_translated_apart(locale, one, other):
    with open(CATALOGUE.parent.parent / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=locale)
    texts = []
    for context, message_id in (one, other):
        message = catalog.get(message_id, context=context)
        assert message is not None, (context, message_id)
        assert message.string, (context, message_id)
        texts.append(message.string)
    assert texts[0] != texts[1]


@pytest.mark.usefixtures("app")
def test_who_gets_the_work_is_not_labelled_as_who_changed_a_record(app):
    with app.test_request_context(), force_locale("nb"):
        form = AssignmentForm(formdata=None)
        assignee = str(form.learner.label.text)
        audit = pgettext("audit log", "Who")
    assert assignee != audit
    assert audit == "Endret av"
    assert "Endret" not in assignee
