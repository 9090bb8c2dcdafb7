"""Corrections replayed over a run's themes (consult.theme_edits): pure, no app."""

from consult.theme_edits import SPLIT_BASE, Edit, apply_edits

# A run of six verbatims (contribution ids 10…15) in two themes; 15 is in none.
DOCUMENT = {"themes": [
    {"id": 0, "label": "temps des bénévoles", "keywords": ["temps", "bénévoles"],
     "members": [0, 1, 2], "representatives": [0, 1], "cohesion": 0.4, "to_check": False},
    {"id": 1, "label": "données", "keywords": ["données"], "members": [3, 4],
     "representatives": [3], "cohesion": 0.1, "to_check": True},
]}
IDS = [10, 11, 12, 13, 14, 15]


def read(*edits):
    return apply_edits(DOCUMENT, IDS, list(edits))


def test_without_edits_the_themes_are_the_machines_keyed_by_contribution():
    themes = read()
    assert [t.members for t in themes.themes] == [(10, 11, 12), (13, 14)]
    assert themes.theme_of == {10: 0, 11: 0, 12: 0, 13: 1, 14: 1, 15: -1}
    assert not themes.changed_membership and themes.themes[0].label == "temps des bénévoles"


def test_rename_summary_and_review_change_no_membership():
    themes = read(Edit(1, "rename", 0, {"label": "Le temps donné"}),
                  Edit(2, "summary", 0, {"text": "Ils manquent de temps."}),
                  Edit(3, "review", 1, {"reviewed": True}))
    first, second = themes.themes
    assert (first.label, first.machine_label, first.summary) == (
        "Le temps donné", "temps des bénévoles", "Ils manquent de temps.")
    assert first.renamed and second.reviewed and not themes.changed_membership
    assert themes.applied == (1, 2, 3)


def test_a_merge_moves_every_verbatim_and_a_later_edit_of_the_merged_theme_is_skipped():
    themes = read(Edit(1, "merge", 0, {"other": 1}), Edit(2, "rename", 1, {"label": "x"}))
    assert [t.id for t in themes.themes] == [0]
    assert set(themes.themes[0].members) == {10, 11, 12, 13, 14}
    assert themes.themes[0].merged_from == (1,)
    assert themes.applied == (1,) and themes.skipped == (2,) and themes.changed_membership


def test_a_move_takes_a_verbatim_out_of_its_theme_or_out_of_none():
    themes = read(Edit(1, "move", 1, {"contribution": 10}),
                  Edit(2, "move", 1, {"contribution": 15}),
                  Edit(3, "move", 1, {"contribution": 99}))  # not in this run
    first, second = themes.themes
    assert first.members == (11, 12) and first.representatives == (11,)
    assert second.members == (13, 14, 10, 15) and second.moved_in == 2
    assert themes.skipped == (3,)


def test_a_split_makes_a_new_theme_after_its_source_and_undoing_it_is_leaving_it_out():
    split = Edit(7, "split", 0, {"contributions": [11, 12], "label": "agenda"})
    themes = read(split)
    assert [t.id for t in themes.themes] == [0, SPLIT_BASE + 7, 1]
    part = themes.get(SPLIT_BASE + 7)
    assert (part.members, part.split_from, part.label) == ((11, 12), 0, "agenda")
    assert themes.get(0).members == (10,)
    assert read().theme_of == apply_edits(DOCUMENT, IDS, []).theme_of  # undone: as before


def test_a_split_of_every_verbatim_or_of_none_is_skipped():
    assert read(Edit(1, "split", 0, {"contributions": [10, 11, 12]})).skipped == (1,)
    assert read(Edit(1, "split", 0, {"contributions": [42]})).skipped == (1,)


def test_edits_of_a_theme_the_run_does_not_have_are_skipped_not_misapplied():
    themes = read(Edit(1, "rename", 5, {"label": "ailleurs"}), Edit(2, "merge", 0, {"other": 5}))
    assert themes.skipped == (1, 2)
    assert [t.label for t in themes.themes] == ["temps des bénévoles", "données"]
