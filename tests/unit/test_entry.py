"""A register entry's catalogue: what is required, what is refused, the diff between versions."""

from ethics_register import entry


def complete(**changes):
    document = {
        "name": "Tri des demandes d'aide", "description": "Classe les demandes reçues.",
        "kind": "machine_learning", "intended_use": "Orienter chaque demande vers un bénévole.",
        "ai_act_tier": "limited", "ai_act_reason": "Pas de décision automatique sur les droits.",
        "personal_data": "pseudonymised", "output_checks": "Un salarié relit chaque tri.",
        "contest": "Écrire au comité.", "switch_off": "Désactiver le module.",
        "owner": "Pôle accueil",
    }
    document.update(changes)
    return document


def codes(document):
    return {(p.code, p.field) for p in entry.problems(document)}


def test_a_complete_document_has_no_problem_and_every_group_has_fields():
    assert entry.problems(complete()) == []
    assert [g.name for g in entry.GROUPS] == ["identity", "purpose", "risk", "data", "oversight",
                                              "performance", "footprint", "contacts"]
    assert all(g.fields for g in entry.GROUPS)


def test_every_required_field_is_named_when_missing():
    required = {name for name, f in entry.FIELDS.items() if f.required}
    assert codes({}) == {("required", name) for name in required}
    assert {"name", "description", "ai_act_tier", "contest", "switch_off"} <= required


def test_the_description_is_plain_and_short():
    found = codes(complete(description="x" * 351))
    assert found == {("too_long", "description")}
    assert entry.problems(complete(description="x" * 350)) == []


def test_choices_links_and_numbers_are_checked():
    found = codes(complete(kind="oracle", ai_act_tier="extreme", code_url="javascript:alert(1)",
                           energy_kwh="beaucoup", extra="?"))
    assert found == {("choice", "kind"), ("choice", "ai_act_tier"), ("url", "code_url"),
                     ("number", "energy_kwh"), ("unknown", "extra")}
    assert entry.problems(complete(energy_kwh="12,5", code_url="https://git.example/x")) == []


def test_changes_name_each_changed_field_with_its_words_marked():
    before = complete()
    after = complete(contest="Écrire au comité d'éthique ou au conseil.", owner="Pôle accueil")
    [change] = entry.changes(before, after)
    assert change.field == "contest"
    assert ("removed", "comité.") in change.words
    assert ("added", "comité d'éthique ou au conseil.") in change.words
    assert "".join(t for k, t in change.words if k != "added") == before["contest"]
    assert "".join(t for k, t in change.words if k != "removed") == after["contest"]
    assert entry.changes(before, dict(before)) == []
