"""AI-project proposals, and members' rights over their data."""

import json
import re

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import (
    AuditEvent,
    Contribution,
    ContributionVersion,
    Member,
    Proposal,
    ProposalComment,
    ProposalSupport,
)
from tests.helpers import TEST_PASSWORD, Browser, as_person, contribute, create, read

PROPOSAL = {
    "title": "Tri des demandes entrantes",
    "need": "Les demandes arrivent par téléphone et par e-mail, la coordination est débordée.",
    "benefits": "Répondre plus vite aux personnes isolées.",
    "affected": "Coordination (Salariés), bénéficiaires.",
    "data_used": "Le texte des e-mails reçus.",
    "personal_data": "y",
    "risks": "Mauvais tri des demandes urgentes ; dépendance à un fournisseur.",
    "environmental_cost": "Faible si le modèle tourne sur notre serveur.",
    "alternatives": "Un formulaire mieux conçu et une permanence téléphonique.",
}


def submit_proposal(browser, **changes):
    page = read(browser.client.get("/proposals/new"))
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', page).group(1)
    return browser.form_post("/proposals/new", {**PROPOSAL, "submission_key": key, **changes})


def test_member_submits_a_proposal_others_comment_and_support(app, people):
    college = people.college("Salariés", 50)
    people.add("ana@coop.example", name="Ana", college_id=college.id)
    people.add("bo@coop.example", name="Bo", college_id=college.id)
    ana = as_person(app, "ana@coop.example")
    response = submit_proposal(ana)
    assert response.status_code == 302
    path = response.headers["Location"]
    with app.app_context():
        [proposal] = get_session().exec(select(Proposal)).all()
        assert (proposal.status, proposal.personal_data, proposal.sensitive_data) == (
            "submitted",
            True,
            False,
        )
    bo = as_person(app, "bo@coop.example")
    bo.form_post(path, {"text": "Attention aux demandes urgentes.", "submission_key": "k1"})
    bo.form_post(path, {"text": "Attention aux demandes urgentes.", "submission_key": "k1"})
    bo.form_post(path, {"support": "1"}, post_url=f"{path}/support")
    page = read(bo.client.get(path))
    assert page.count("Attention aux demandes urgentes.") == 1  # double submit kept once
    assert "1 membre soutient ce projet." in page
    assert "Tri des demandes entrantes" in read(bo.client.get("/proposals/"))
    kinds = [e.event_type for e in _events(app)]
    assert {"ProposalSubmitted", "ProposalCommented", "ProposalSupported"} <= set(kinds)


def test_incomplete_proposal_keeps_what_was_typed(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    response = submit_proposal(ana, alternatives="   ")
    assert response.status_code == 422
    assert "Tous les champs de la proposition sont à remplir" in read(response)
    assert PROPOSAL["need"] in read(response)
    with app.app_context():
        assert get_session().exec(select(Proposal)).all() == []


def test_author_cannot_support_own_proposal(app, people):
    people.add("ana@coop.example")
    ana = as_person(app, "ana@coop.example")
    path = submit_proposal(ana).headers["Location"]
    ana.form_post(path, {"support": "1"}, post_url=f"{path}/support")
    with app.app_context():
        assert get_session().exec(select(ProposalSupport)).all() == []


def _events(app):
    with app.app_context():
        return list(get_session().exec(select(AuditEvent).order_by(AuditEvent.id)))


def _coop(people):
    staff = people.college("Salariés", 50)
    people.add("anim@coop.example", name="Ysé Anim", roles=("facilitator",), college_id=staff.id)
    people.add("ana@coop.example", name="Ana Durand", college_id=staff.id)
    people.add("bo@coop.example", name="Bo Martin", college_id=staff.id)
    return {"staff": staff}


@pytest.mark.slow
def test_member_downloads_all_their_data(app, people):
    coop = _coop(people)
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Ma contribution", stance="for")
    submit_proposal(ana)
    response = ana.form_post("/account/", {}, post_url="/account/data")
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.get_data(as_text=True))
    assert data["member"]["email"] == "ana@coop.example"
    assert [c["text"] for c in data["contributions"]] == ["Ma contribution"]
    assert data["contributions"][0]["versions"][0]["text"] == "Ma contribution"
    assert [p["title"] for p in data["proposals"]] == [PROPOSAL["title"]]
    assert data["consents"][0]["consultation_id"] == cid
    assert data["reports"] == []


@pytest.mark.slow
def test_the_data_download_holds_the_reports_filed_and_the_audit_events(app, people):
    coop = _coop(people)
    cid, _ = create(app, coop)
    contribute(as_person(app, "bo@coop.example"), cid, "Une contribution de Bo.")
    with app.app_context():
        [theirs] = get_session().exec(select(Contribution)).all()
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Ma contribution")
    ana.form_post(f"/consultations/{cid}/vote", {"reason": "Hors sujet, à relire"},
                  post_url=f"/consultations/contributions/{theirs.id}/report")
    data = json.loads(ana.form_post("/account/", {}, post_url="/account/data").get_data(
        as_text=True))
    assert [(r["contribution_id"], r["reason"]) for r in data["reports"]] == [
        (theirs.id, "Hors sujet, à relire")]
    kinds = {e["type"] for e in data["audit_events"]}
    assert {"MemberPasswordSet", "MemberSignedIn", "ConsentAccepted", "ContributionSubmitted",
            "ContributionReported"} <= kinds
    assert all("Une contribution de Bo." not in json.dumps(e) for e in data["audit_events"])


@pytest.mark.slow
def test_erasure_keeps_contributions_anonymised_and_forgets_the_identity(app, people):
    coop = _coop(people)
    cid, facilitator = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Je reste, anonymement")
    with app.app_context():
        old_ref = (
            get_session().exec(select(Member.ref).where(Member.email == "ana@coop.example")).one()
        )
    response = ana.form_post(
        "/account/",
        {"password": TEST_PASSWORD, "confirm": "y"},
        post_url="/account/erase",
        follow_redirects=True,
    )
    assert "Votre compte est effacé" in read(response)
    with app.app_context():
        db = get_session()
        erased = db.exec(select(Member).where(Member.erased_at.is_not(None))).one()
        assert (erased.email, erased.password_hash, erased.active) == (None, None, False)
        assert erased.ref != old_ref and erased.roles == frozenset()
        [c] = db.exec(select(Contribution)).all()
        assert c.author_id is None and c.text == "Je reste, anonymement"
    assert Browser(app.test_client()).login("ana@coop.example").status_code == 401
    page = read(facilitator.client.get(f"/facilitate/consultations/{cid}"))
    assert "Je reste, anonymement" in page and "Ana Durand" not in page
    for event in _events(app):
        assert "ana@coop.example" not in event.canonical and "Ana Durand" not in event.canonical
    assert _events(app)[-1].event_type == "MemberErased"


@pytest.mark.slow
def test_erasure_can_delete_contributions_too(app, people):
    coop = _coop(people)
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "À supprimer")
    ana.form_post(
        "/account/",
        {"password": TEST_PASSWORD, "confirm": "y", "delete_contributions": "y"},
        post_url="/account/erase",
    )
    with app.app_context():
        assert get_session().exec(select(Contribution)).all() == []


def test_erasure_needs_the_password_and_the_confirmation(app, people):
    _coop(people)
    ana = as_person(app, "ana@coop.example")
    response = ana.form_post(
        "/account/", {"password": "wrong password", "confirm": "y"}, post_url="/account/erase"
    )
    assert response.status_code == 422 and "Mot de passe incorrect" in read(response)
    response = ana.form_post("/account/", {"password": TEST_PASSWORD}, post_url="/account/erase")
    assert response.status_code == 422
    assert ana.client.get("/").status_code == 200  # still there


@pytest.mark.slow
def test_what_an_erased_member_wrote_is_kept_redacted_in_every_version(app, people, tmp_path):
    staff = people.college("Salariés", 100)
    people.add("anim@coop.example", roles=("facilitator",), college_id=staff.id)
    people.add("gisele.cornic@coop.example", name="Gisèle Cornic", college_id=staff.id)
    cid, facilitator = create(app, {"staff": staff})
    gisele = as_person(app, "gisele.cornic@coop.example")
    said = ("Je suis Gisèle Cornic, gisele.cornic@coop.example, 06 12 34 56 78 : je garde la "
            "main sur le planning.")
    contribute(gisele, cid, said)
    with app.app_context():
        [mine] = get_session().exec(select(Contribution)).all()
    gisele.form_post(f"/consultations/contributions/{mine.id}/edit",
                     {"text": said + " Appelez Cornic si besoin.", "stance": "for"})
    submit_proposal(gisele, need="Cornic, au 06 12 34 56 78, gère seule les demandes.")
    with app.app_context():
        proposal = get_session().exec(select(Proposal)).one()
    gisele.form_post(f"/proposals/{proposal.id}", {
        "text": "Écrivez-moi : gisele.cornic@coop.example", "submission_key": "k1"})
    gisele.form_post("/account/", {"password": TEST_PASSWORD, "confirm": "y"},
                     post_url="/account/erase")

    with app.app_context():
        db = get_session()
        stored = [c.text for c in db.exec(select(Contribution))]
        stored += [c.redacted_text for c in db.exec(select(Contribution))]
        stored += [v.text for v in db.exec(select(ContributionVersion))]
        stored += [v.redacted_text for v in db.exec(select(ContributionVersion))]
        stored += [getattr(p, f) for p in db.exec(select(Proposal)) for f in PROPOSAL]
        stored += [c.text for c in db.exec(select(ProposalComment))]
        assert len(db.exec(select(ContributionVersion)).all()) == 2  # the edit made a version
        assert len(db.exec(select(ProposalComment)).all()) == 1
    for text in stored:
        for trace in ("Cornic", "Gisèle", "gisele.cornic", "06 12 34 56 78"):
            assert trace not in str(text), (trace, text)
    assert any("[personne]" in str(t) for t in stored)
    assert any("je garde la main sur le planning" in str(t) for t in stored)  # the words stay
    page = read(facilitator.client.get(f"/facilitate/consultations/{cid}"))
    assert "Cornic" not in page and "je garde la main" in page
    exported = facilitator.form_post(f"/facilitate/consultations/{cid}/export",
                                     {"format": "json", "original": "y"})
    assert "Cornic" not in exported.get_data(as_text=True)
