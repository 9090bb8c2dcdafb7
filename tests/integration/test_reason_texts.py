"""Every reason and opinion message the analysis can give reads in English too."""

import pytest

from consult.views.analysis import opinion_message, reason_text
from nlp.convergence import REASONS, Reason
from nlp.opinion import MESSAGES

PARAMS = {
    "source": "Votes", "source_code": "votes", "grouping": "college", "group_kind": "collège",
    "group_kind_plural": "collèges", "higher": "bénévoles", "higher_share": 82, "higher_n": 45,
    "lower": "bénéficiaires", "lower_share": 31, "lower_n": 29, "points": 51, "threshold": 60,
    "lowest": "salariés", "lowest_share": 40, "lowest_n": 12, "highest": "partenaires",
    "highest_share": 55, "highest_n": 9, "gap_threshold": 30, "min_count": 5, "enough": 1,
    "total": 3, "min_groups": 2, "n": 7, "group": "collectivités", "expressed": 3,
}


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.parametrize("code", sorted(REASONS))
def test_every_reason_has_an_english_sentence_with_its_figures(english, code):
    french = Reason.of(code, **PARAMS)
    text = reason_text({"code": code, "params": PARAMS, "text": french.text})
    assert text and text != french.text
    for key in ("higher_share", "lower_n", "points", "lowest_share", "expressed"):
        if f"%({key})" in REASONS[code]:
            assert str(PARAMS[key]) in text
    assert "%(" not in text and "%%" not in text
    assert "collège" not in text and "d'accord" not in text


def test_a_reason_of_an_unknown_code_keeps_its_stored_sentence(english):
    assert reason_text({"code": "later_code", "params": {}, "text": "Texte gardé"}) == \
        "Texte gardé"


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_opinion_message_has_an_english_sentence(english, code):
    params = {"clustered": 2, "minimum": 3}
    french = MESSAGES[code] % params
    text = opinion_message({"message": code, "message_params": params, "message_text": french})
    assert text and text != french
