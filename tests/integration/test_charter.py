"""The AI charter: the founding version seeded once; the board's amendments with their word-level
difference, put to the members in a consultation, adopted only by a motion (the one before
superseded, one adopted version held by the database); members read every adopted version and
its PDF, never the board's drafts."""

import json
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from consult.models import (
    AnalysisRun,
    AuditEvent,
    CharterVersion,
    Consultation,
    Motion,
    utcnow,
)
from consult.services import ServiceError, charter, charter_pages
from consult.services.audit_log import signer_for
from consult.services.members import find_by_email
from tests.helpers import as_person, csrf_from, pdf_text, read

FRUGAL = "Sobriété"


@pytest.fixture
def board(app, people, coop, session):
    """The founding charter, a board member and a plain member (of an invited college)."""
    people.add("conseil@coop.example", name="Chloé Conseil", roles=("board",),
               college_id=coop["staff"].id)
    signer = signer_for(app.config)
    charter.seed_charter(session, signer)
    return find_by_email(session, "conseil@coop.example"), signer


def person(app, email):
    """Signed in as ``email``. The session fixture keeps one app context open, in which
    Flask-Login remembers the last member it loaded and Flask-WTF the last CSRF token: forget
    them first."""
    g.pop("_login_user", None)
    g.pop("csrf_token", None)
    browser = as_person(app, email)
    g.pop("csrf_token", None)  # the one before signing in, whose session has been renewed
    return browser


def slots(version, **changed):
    """The version's principles as form slots, some texts changed: {title: new text}."""
    found = [p.to_json() for p in charter.principles_of(version)]
    for slot in found:
        if slot["title"] in changed:
            slot["text"] = changed[slot["title"]]
    return found


def amend(session, board, **changed):
    member, signer = board
    current = charter.adopted_version(session)
    return charter.draft_amendment(session, member, slots(current, **changed),
                                   "Plus de sobriété.", signer)


def adopted_by_motion(session, version, signer):
    motion = Motion(title=f"Adopter la version {version.number}", text="…", subject="charter",
                    subject_id=version.id, body="board", method="one_member_one_vote",
                    majority="simple", opens_at=utcnow() - timedelta(days=1),
                    closes_at=utcnow(), status="closed", outcome="adopted")
    session.add(motion)
    session.flush()
    charter.adopt_version(session, motion, signer)
    session.commit()
    return motion


def test_the_founding_charter_is_seeded_once_with_its_seven_principles(app, session, board):
    assert charter.seed_charter(session, board[1]) is None
    rows = session.exec(select(CharterVersion)).all()
    assert len(rows) == 1 and rows[0].status == "adopted" and rows[0].motion_id is None
    titles = [p.title for p in charter.principles_of(rows[0])]
    assert titles == ["Intérêt collectif", "Transparence", "Non-discrimination",
                      "Contrôle humain", "Respect de la vie privée", FRUGAL, "Co-construction"]
    assert all(p.text and p.rationale for p in charter.principles_of(rows[0]))
    event = session.exec(select(AuditEvent).where(
        AuditEvent.event_type == "CharterVersionAdopted")).one()
    assert json.loads(event.canonical)["data"]["founding"] is True and event.actor_ref is None


def test_a_drafts_diff_marks_the_words_added_and_removed(app, session, board):
    current = charter.adopted_version(session)
    old = next(p for p in charter.principles_of(current) if p.title == FRUGAL)
    draft = amend(session, board, **{FRUGAL: old.text.replace("mesurée ou estimée",
                                                               "mesurée sur un usage réel")})
    page = charter_pages.version_page(session, board[0], draft.id)
    changed = [c for c in page.changes if c.kind != "same"]
    assert [(c.kind, c.after.title) for c in changed] == [("changed", FRUGAL)]
    removed = " ".join(text for kind, text in changed[0].text if kind == "removed")
    added = " ".join(text for kind, text in changed[0].text if kind == "added")
    assert removed.split() == ["ou", "estimée,"] and added.split() == ["sur", "un", "usage",
                                                                        "réel,"]
    assert ("same", " ") in changed[0].text  # the words kept are not marked
    assert page.vote_refusal is None and charter.can_be_put_to_vote(session, draft.id)


def test_principles_added_removed_and_renamed_are_told_apart():
    keep = charter.Principle("Transparence", "Tout est au registre.", "")
    gone = charter.Principle("Sobriété", "Des modèles légers.", "")
    renamed_from = charter.Principle("Vie privée", "Les données restent en Europe, chiffrées.")
    renamed_to = charter.Principle("Données", "Les données restent en Europe, toujours chiffrées.")
    new = charter.Principle("Ouverture", "Du logiciel libre.", "")
    changes = charter_pages.principle_changes([keep, gone, renamed_from],
                                              [keep, renamed_to, new])
    assert [(c.kind, (c.after or c.before).title) for c in changes] == [
        ("same", "Transparence"), ("changed", "Données"), ("added", "Ouverture"),
        ("removed", "Sobriété")]
    assert [t.strip() for k, t in changes[1].text if k == "added"] == ["toujours"]
    assert changes[2].text == (("added", "Du logiciel libre."),)


def test_a_wrong_draft_is_refused_with_every_problem_and_nothing_is_stored(app, session, board):
    member, signer = board
    before = session.exec(select(CharterVersion)).all()
    with pytest.raises(charter.CharterInvalid) as refused:
        charter.draft_amendment(session, member, [
            {"title": "Transparence", "text": "Un."}, {"title": "transparence", "text": "Deux."},
            {"title": "", "text": "", "rationale": "Sans titre ni texte."},
            {"title": "T" * 200, "text": "Long."}, {"title": "", "text": "", "rationale": ""},
        ], "Un résumé.", signer)
    found = {(p.slot, p.field, p.message) for p in refused.value.problems}
    assert (1, "title", charter.TITLE_TWICE) in found
    assert (2, "title", charter.TITLE_NEEDED) in found and (2, "text", charter.TEXT_NEEDED) in found
    assert (3, "title", charter.TITLE_TOO_LONG) in found
    assert not any(p.slot == 4 for p in refused.value.problems)  # a blank slot is no principle
    with pytest.raises(charter.CharterInvalid) as empty:
        charter.draft_amendment(session, member, [{"title": "", "text": ""}], "", signer)
    assert {p.message for p in empty.value.problems} == {charter.NO_PRINCIPLE,
                                                         charter.SUMMARY_NEEDED}
    session.rollback()
    assert session.exec(select(CharterVersion)).all() == before
    assert not session.exec(select(AuditEvent).where(
        AuditEvent.event_type == "CharterDraftCreated")).all()


def test_adoption_by_motion_supersedes_the_version_in_force(app, session, board):
    member, signer = board
    founding = charter.adopted_version(session)
    draft = amend(session, board, **{FRUGAL: "Des modèles légers, mesurés."})
    motion = adopted_by_motion(session, draft, signer)
    session.refresh(founding)
    session.refresh(draft)
    assert founding.status == "superseded"
    assert draft.status == "adopted" and draft.motion_id == motion.id and draft.adopted_at
    event = session.exec(select(AuditEvent).where(
        AuditEvent.event_type == "CharterVersionAdopted").order_by(AuditEvent.id.desc())).first()
    data = json.loads(event.canonical)["data"]
    assert data["motion_id"] == motion.id and data["superseded_version_id"] == founding.id
    assert not data["founding"]


def test_an_amendment_of_a_superseded_version_cannot_be_put_to_the_vote(app, session, board):
    member, signer = board
    first = amend(session, board, **{FRUGAL: "Des modèles légers."})
    second = amend(session, board, **{"Transparence": "Tout est au registre public."})
    adopted_by_motion(session, first, signer)
    with pytest.raises(ServiceError) as refused:
        charter.can_be_put_to_vote(session, second.id)
    assert refused.value.problem.message == charter.NOT_CURRENT
    assert refused.value.problem.params == {"base": 1, "current": 2}
    assert "n'est plus celle en vigueur" in refused.value.problem.text()
    late = Motion(title="Adopter", text="…", subject="charter", subject_id=second.id,
                  body="board", method="one_member_one_vote", majority="simple",
                  opens_at=utcnow(), closes_at=utcnow(), status="closed", outcome="adopted")
    session.add(late)
    session.flush()
    with pytest.raises(ServiceError):
        charter.adopt_version(session, late, signer)
    session.rollback()
    session.refresh(second)
    assert second.status == "draft"
    page = person(app, "conseil@coop.example").client.get(f"/charte/versions/{second.id}")
    assert "n'est plus celle en vigueur" in read(page)


def test_the_database_holds_one_adopted_version(app, session, board):
    draft = amend(session, board, **{FRUGAL: "Des modèles légers."})
    draft.status = "adopted"  # past the service, as a racing transaction would
    session.add(draft)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    assert len(session.exec(select(CharterVersion).where(
        CharterVersion.status == "adopted")).all()) == 1


def test_opening_an_amendment_to_consultation_creates_and_links_it(app, session, board):
    member, signer = board
    draft = amend(session, board, **{FRUGAL: "Des modèles légers, mesurés sur un usage réel."})
    closes = utcnow() + timedelta(days=10)
    charter.open_to_consultation(session, member, draft.id, signer, closes_at=closes)
    session.refresh(draft)
    consultation = session.get(Consultation, draft.consultation_id)
    assert consultation.status == "open" and "amendement n° 2" in consultation.title
    assert "Principe modifié — Sobriété" in consultation.description
    assert "usage réel" in consultation.description
    with pytest.raises(ServiceError):
        charter.open_to_consultation(session, member, draft.id, signer)
    with pytest.raises(ServiceError) as refused:
        charter.edit_draft(session, member, draft.id, slots(draft), "Autre résumé.", signer)
    assert refused.value.problem.message == charter.IN_CONSULTATION
    ana = person(app, "ana@coop.example")  # her college is invited
    assert consultation.title in read(ana.client.get("/consultations/"))
    page = read(person(app, "conseil@coop.example").client.get(
        f"/charte/versions/{draft.id}"))
    assert consultation.title in page


def test_members_read_every_adopted_version_but_no_draft(app, session, board):
    member, signer = board
    first = amend(session, board, **{FRUGAL: "Des modèles légers."})
    adopted_by_motion(session, first, signer)
    draft = amend(session, board, **{"Transparence": "Tout est au registre public."})
    ana = person(app, "ana@coop.example")
    home = read(ana.client.get("/charte"))
    assert "Des modèles légers." in home and "Version 2" in home
    history = read(ana.client.get("/charte/versions"))
    assert "Version 1" in history and "Version 2" in history and "Version 3" not in history
    founding = charter.versions(session, statuses=("superseded",))[0]
    old = read(ana.client.get(f"/charte/versions/{founding.id}"))
    assert "mesurée ou estimée" in old
    assert ana.client.get(f"/charte/versions/{draft.id}").status_code == 403
    assert ana.client.get("/charte/projets/nouveau").status_code == 403
    assert ana.client.post("/charte/projets/nouveau", data={
        "csrf_token": csrf_from(home)}).status_code == 403
    assert ana.client.get(f"/charte/versions/{draft.id}.pdf").status_code == 403


def test_the_board_drafts_an_amendment_through_the_form(app, session, board):
    browser = person(app, "conseil@coop.example")
    form = read(browser.client.get("/charte/projets/nouveau"))
    assert form.count('name="principles-') >= 3 * 9  # seven principles and two blank slots
    current = charter.adopted_version(session)
    data = {"summary": "Un principe d'ouverture."}
    for i, p in enumerate(charter.principles_of(current)):
        data |= {f"principles-{i}-title": p.title, f"principles-{i}-text": p.text,
                 f"principles-{i}-rationale": p.rationale}
    data |= {"principles-7-title": "Ouverture", "principles-7-text": "Du logiciel libre."}
    response = browser.form_post("/charte/projets/nouveau", data)
    assert response.status_code == 302, read(response)
    page = read(browser.client.get(response.headers["Location"]))
    assert "Ouverture" in page and "<ins>" in page
    data["principles-8-title"] = "Ouverture"
    data["principles-8-text"] = "Encore."
    refused = browser.form_post("/charte/projets/nouveau", data)
    assert refused.status_code == 422
    assert "est déjà celui d'un autre principe" in read(refused)
    assert "Encore." in read(refused)  # what they typed is kept


def test_the_charter_prints_as_a_real_pdf_with_its_principles(app, session, board):
    ana = person(app, "ana@coop.example")
    response = ana.client.get("/charte.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    text = pdf_text(response.data)
    flat = " ".join(text.split())
    for title in ("Intérêt collectif", "Contrôle humain", "Co-construction"):
        assert title in flat
    assert "Version 1" in flat
    version = charter.adopted_version(session)
    assert ana.client.get(f"/charte/versions/{version.id}.pdf").status_code == 200


def test_the_board_opens_the_consultation_sees_its_themes_and_withdraws_a_draft(app, session,
                                                                                 board):
    draft = amend(session, board, **{FRUGAL: "Des modèles légers, mesurés."})
    browser = person(app, "conseil@coop.example")
    page_url = f"/charte/versions/{draft.id}"
    assert "Ouvrir la consultation" in read(browser.client.get(page_url))
    past = browser.form_post(page_url, {"closes_at": "2001-01-01T12:00"},
                             post_url=f"/charte/projets/{draft.id}/consultation")
    assert past.status_code == 422 and "doit être dans le futur" in read(past)
    assert "2001-01-01T12:00" in read(past)  # what they typed is kept
    closes = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    opened = browser.form_post(page_url, {"closes_at": closes},
                               post_url=f"/charte/projets/{draft.id}/consultation")
    assert opened.status_code == 302
    session.refresh(draft)
    result = {"themes": [{"id": 0, "label": "Mesurer l'énergie", "size": 12,
                          "keywords": ["énergie", "plafond"], "representatives": []}],
              "convergence": {"verdicts": {"0": {"label": "convergent", "reasons": [
                  {"code": "unknown", "params": {}, "text": "Tous les collèges d'accord."}]}},
                  "counts": {"convergent": 1}}}
    session.add(AnalysisRun(consultation_id=draft.consultation_id, mode="fast", status="done",
                            result=json.dumps(result), finished_at=utcnow()))
    session.commit()
    page = read(browser.client.get(page_url))
    assert "Mesurer l'énergie" in page and "Convergent" in page
    assert "Tous les collèges d'accord." in page
    withdrawn = browser.form_post(page_url, {"reason": "Remplacé par un texte plus court."},
                                  post_url=f"/charte/projets/{draft.id}/retrait")
    assert withdrawn.status_code == 302
    session.refresh(draft)
    assert draft.status == "withdrawn"
    with pytest.raises(ServiceError) as refused:
        charter.can_be_put_to_vote(session, draft.id)
    assert refused.value.problem.message == charter.WITHDRAWN
    assert person(app, "ana@coop.example").client.get(page_url).status_code == 403


def test_the_board_edits_a_draft_and_the_log_records_each_step(app, session, board):
    draft = amend(session, board, **{FRUGAL: "Des modèles légers."})
    browser = person(app, "conseil@coop.example")
    form = read(browser.client.get(f"/charte/projets/{draft.id}/modifier"))
    assert "Des modèles légers." in form
    data = {"summary": "Sobriété, en plus court."}
    for i, p in enumerate(charter.principles_of(draft)):
        data |= {f"principles-{i}-title": p.title, f"principles-{i}-text": p.text,
                 f"principles-{i}-rationale": p.rationale}
    data["principles-0-title"] = data["principles-0-text"] = ""
    data["principles-0-rationale"] = ""  # a slot emptied: the principle is removed
    edited = browser.form_post(f"/charte/projets/{draft.id}/modifier", data)
    assert edited.status_code == 302, read(edited)
    session.refresh(draft)
    assert "Intérêt collectif" not in [p.title for p in charter.principles_of(draft)]
    page = read(browser.client.get(f"/charte/versions/{draft.id}"))
    assert "Intérêt collectif" in page and "<del>" in page
    kinds = [e.event_type for e in session.exec(select(AuditEvent).where(
        AuditEvent.object_type == "charter_version").order_by(AuditEvent.id))]
    assert kinds == ["CharterVersionAdopted", "CharterDraftCreated", "CharterDraftEdited"]


def test_the_demo_amendment_is_a_consulted_draft_on_frugality(app, session, board):
    draft = charter.demo_amendment(session, board[1], board[0])
    assert draft.status == "draft" and draft.number == 2 and draft.consultation_id
    changes = charter_pages.version_page(session, board[0], draft.id).changes
    assert [(c.kind, c.after.title) for c in changes if c.kind != "same"] == [
        ("changed", FRUGAL)]
    assert charter.can_be_put_to_vote(session, draft.id)


def test_visitors_are_sent_to_sign_in(client, board):
    for path in ("/charte", "/charte/versions", "/charte.pdf"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.slow  # the demo's contributions are redacted with spaCy
def test_the_demo_loads_the_founding_charter_and_its_log_verifies(app):
    from consult.cli import cli
    from consult.db import get_session

    result = app.test_cli_runner().invoke(cli, ["demo", "load", "--no-analyse"])
    assert result.exit_code == 0, result.output
    assert "Charte de l'IA fondatrice adoptée" in result.output
    with app.app_context():
        founding = charter.get_version(get_session(), 1)
        assert len(charter.principles_of(founding)) == 7
        # the board's part of the demo adopts the amendment after its consultation
        assert founding.status == "superseded"
        assert charter.adopted_version(get_session()).number == 2
    verified = app.test_cli_runner().invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0 and "OK" in verified.output, verified.output
