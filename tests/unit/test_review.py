"""A committee review: the seven ALTAI requirements answered with notes, then an opinion."""

from ethics_register import review

ALL_MET = {name: "met" for name, _ in review.REQUIREMENTS}
NOTES = {name: "Vérifié en séance." for name, _ in review.REQUIREMENTS}


def fields(**kwargs):
    values = {"answers": ALL_MET, "notes": NOTES, "opinion": "favourable", "conditions": ""}
    values.update(kwargs)
    return {p.field for p in review.problems(**values)}


def test_a_complete_review_has_no_problem_and_there_are_seven_requirements():
    assert len(review.REQUIREMENTS) == 7
    assert fields() == set()


def test_each_requirement_needs_an_answer_and_its_notes():
    answers = {**ALL_MET, "privacy": ""}
    notes = {**NOTES, "fairness": " "}
    assert fields(answers=answers, notes=notes) == {"answer_privacy", "notes_fairness"}
    # "not applicable" needs no notes
    assert fields(answers={**ALL_MET, "fairness": "not_applicable"}, notes=notes) == set()


def test_conditions_are_written_and_an_unmet_requirement_blocks_a_plain_favourable():
    assert fields(opinion="favourable_with_conditions") == {"conditions"}
    assert fields(opinion="favourable_with_conditions", conditions="Relire chaque mois.") == set()
    unmet = {**ALL_MET, "transparency": "not_met"}
    assert fields(answers=unmet) == {"opinion"}
    assert fields(answers=unmet, opinion="unfavourable") == set()
    assert fields(opinion="peut-être") == {"opinion"}
