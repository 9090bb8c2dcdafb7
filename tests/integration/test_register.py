"""The register's entries: kept by the committee, versioned, moved through the gate, each
change an audit event and a signed checkpoint."""

import pytest
from sqlmodel import func, select

from consult.models import AuditCheckpoint, RegisterEntry, RegisterEntryVersion
from consult.services import PermissionDenied, register
from consult.services.audit_log import signer_for
from tests.helpers import events
from tests.unit.test_entry import complete


@pytest.fixture
def committee(app, people, session):
    from consult.services.members import find_by_email

    people.add("ethique@coop.example", roles=("ethics",))
    people.add("membre@coop.example")
    return find_by_email(session, "ethique@coop.example"), find_by_email(
        session, "membre@coop.example"), signer_for(app.config)


def count(session, model):
    return session.exec(select(func.count()).select_from(model)).one()


def test_the_committee_registers_and_revises_an_entry(session, committee):
    ethics, _member, signer = committee
    row = register.create_entry(session, ethics, complete(), signer)
    assert (row.status, row.current_version) == ("proposed", 1)
    version = register.revise_entry(session, ethics, row.id,
                                    complete(contest="Écrire au conseil."), signer)
    assert version.version == 2 and row.current_version == 2
    assert [v.version for v in register.versions(session, row.id)] == [1, 2]
    assert register.current_document(session, row)["contest"] == "Écrire au conseil."


def test_each_change_is_an_event_with_a_checkpoint_covering_it(app, session, committee):
    ethics, _member, signer = committee
    row = register.create_entry(session, ethics, complete(), signer)
    register.revise_entry(session, ethics, row.id, complete(owner="Direction"), signer)
    register.change_status(session, ethics, row.id, "in_review", "dossier complet", signer)
    recorded = [e for e in events(app) if e.object_type == "register_entry"]
    assert [e.event_type for e in recorded] == [
        "RegisterEntryCreated", "RegisterEntryVersioned", "RegisterEntryStatusChanged"]
    assert '"changed":["owner"]' in recorded[1].canonical
    checkpoints = list(session.exec(select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    assert [c.tree_size for c in checkpoints] == [e.leaf_index + 1 for e in recorded]


def test_a_member_cannot_touch_the_register(session, committee):
    ethics, member, signer = committee
    with pytest.raises(PermissionDenied):
        register.create_entry(session, member, complete(), signer)
    row = register.create_entry(session, ethics, complete(), signer)
    with pytest.raises(PermissionDenied):
        register.revise_entry(session, member, row.id, complete(owner="Moi"), signer)
    with pytest.raises(PermissionDenied):
        register.change_status(session, member, row.id, "in_review", "pourquoi pas", signer)


def test_an_invalid_document_stores_nothing_and_names_every_problem(session, committee):
    ethics, _member, signer = committee
    with pytest.raises(register.EntryInvalid) as refused:
        register.create_entry(session, ethics, complete(name="", ai_act_tier="extreme"), signer)
    assert {p.field for p in refused.value.problems} == {"name", "ai_act_tier"}
    session.rollback()
    assert count(session, RegisterEntry) == 0 and count(session, RegisterEntryVersion) == 0


def test_an_unchanged_document_is_not_a_new_version(session, committee):
    ethics, _member, signer = committee
    row = register.create_entry(session, ethics, complete(), signer)
    with pytest.raises(register.ServiceError, match="Rien n'a changé"):
        register.revise_entry(session, ethics, row.id, complete(), signer)


def test_the_lifecycle_refuses_skipped_steps_and_the_gate_refuses_an_untested_model(
        session, committee):
    ethics, _member, signer = committee
    row = register.create_entry(session, ethics, complete(), signer)
    with pytest.raises(register.GateRefused) as refused:
        register.change_status(session, ethics, row.id, "deployed", "urgent", signer)
    assert [r.code for r in refused.value.refusals] == ["transition"]
    register.change_status(session, ethics, row.id, "in_review", "complet", signer)
    register.change_status(session, ethics, row.id, "approved", "avis rendu", signer)
    with pytest.raises(register.GateRefused) as refused:
        register.change_status(session, ethics, row.id, "deployed", "on y va", signer)
    assert [r.code for r in refused.value.refusals] == ["no_opinion", "no_test"]
    session.rollback()
    assert session.get(RegisterEntry, row.id).status == "approved"
    with pytest.raises(register.ServiceError, match="raison"):
        register.change_status(session, ethics, row.id, "retired", "  ", signer)


def entry_form_data(browser, url, **changes):
    from tests.helpers import csrf_from

    page = browser.client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_from(page), **complete(**changes)}


def test_the_committee_uses_the_register_pages(app, people, browser):
    people.add("ethique@coop.example", roles=("ethics",))
    browser.login("ethique@coop.example")
    assert "Registre de l'IA" in browser.client.get("/").get_data(as_text=True)
    data = entry_form_data(browser, "/registre/nouvelle", name="")
    response = browser.client.post("/registre/nouvelle", data=data)
    assert response.status_code == 422 and "est obligatoire" in response.get_data(as_text=True)
    data = entry_form_data(browser, "/registre/nouvelle", name="<script>x</script>Tri")
    response = browser.client.post("/registre/nouvelle", data=data)
    assert response.status_code == 302
    url = response.headers["Location"]
    page = browser.client.get(url).get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;Tri" in page and "<script>x" not in page
    data = entry_form_data(browser, url + "/modifier", name="Tri",
                           contest="Écrire au comité d'éthique.")
    assert browser.client.post(url + "/modifier", data=data).status_code == 302
    page = browser.client.get(url).get_data(as_text=True)
    assert "Version 2" in page and "<ins>" in page and "d&#39;éthique.</ins>" in page
    listing = browser.client.get("/registre?status=proposed").get_data(as_text=True)
    assert "Tri" in listing
    assert "Tri" not in browser.client.get("/registre?status=deployed").get_data(
        as_text=True).split("<main")[1]


def test_the_gate_refusal_is_shown_with_its_reasons(app, people, browser):
    from consult.db import get_session
    from consult.services.members import find_by_email
    from tests.helpers import csrf_from

    people.add("ethique@coop.example", roles=("ethics",))
    with app.app_context():  # set up, then leave: the pages run in their own contexts
        db, signer = get_session(), signer_for(app.config)
        ethics = find_by_email(db, "ethique@coop.example")
        row = register.create_entry(db, ethics, complete(), signer)
        register.change_status(db, ethics, row.id, "in_review", "complet", signer)
        register.change_status(db, ethics, row.id, "approved", "avis rendu", signer)
    browser.login("ethique@coop.example")
    page = browser.client.get(f"/registre/{row.id}").get_data(as_text=True)
    assert "Le déploiement est refusé tant que" in page
    response = browser.client.post(f"/registre/{row.id}/etat", data={
        "csrf_token": csrf_from(page), "status": "deployed", "reason": "on y va"},
        follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "avis favorable" in text and "test de biais" in text


def test_members_and_visitors_are_kept_out(app, people, browser, client):
    people.add("membre@coop.example")
    assert client.get("/registre").status_code == 302
    browser.login("membre@coop.example")
    assert browser.client.get("/registre").status_code == 403
    assert browser.client.get("/registre/nouvelle").status_code == 403


def test_the_public_register_shows_approved_systems_without_contacts(app, client, session,
                                                                    committee):
    ethics, _member, signer = committee
    shown = register.create_entry(session, ethics, complete(
        name="Orientation des demandes", contacts="ines@coop.example"), signer)
    register.create_entry(session, ethics, complete(name="Projet en cours"), signer)
    assert "Orientation des demandes" not in client.get("/ia").get_data(as_text=True)
    register.change_status(session, ethics, shown.id, "in_review", "complet", signer)
    register.change_status(session, ethics, shown.id, "approved", "avis rendu", signer)
    page = client.get("/ia").get_data(as_text=True)
    assert "Orientation des demandes" in page
    assert "Comment l'arrêter" in page
    assert "Projet en cours" not in page and "ines@coop.example" not in page
