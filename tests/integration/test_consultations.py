"""Members contribute, edit, withdraw and vote; the rules say why when they cannot."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.models import (
    AuditEvent,
    Consultation,
    Contribution,
    ContributionVersion,
    Vote,
    utcnow,
)
from consult.services import consultations as consultation_service
from tests.helpers import Browser, as_person, contribute, contributions, create, events, read


@pytest.mark.slow
def test_member_consents_then_contributes(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    page = read(ana.client.get(f"/consultations/{cid}"))
    assert "Vos données dans cette consultation" in page  # the notice comes first
    refused = contribute(ana, cid, "Avant la notice", consent=False)
    assert [c.text for c in contributions(app)] == []
    assert refused.status_code == 422
    response = contribute(ana, cid, "Oui, si l'humain garde la main.")
    assert response.status_code == 302
    [c] = contributions(app)
    assert (c.text, c.stance, c.version) == ("Oui, si l'humain garde la main.", "for", 1)
    assert "Oui, si l'humain garde la main." in read(ana.client.get(f"/consultations/{cid}"))
    assert [e.event_type for e in events(app) if e.object_type in ("contribution",)] == [
        "ContributionSubmitted"
    ]


@pytest.mark.slow
def test_double_submit_is_idempotent(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    page = f"/consultations/{cid}"
    ana.form_post(page, {"accept": "y"}, post_url=f"{page}/consent")
    html = read(ana.client.get(page))
    key = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', html).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    for _ in range(2):
        ana.client.post(
            f"{page}/contribute",
            data={"csrf_token": token, "text": "Une fois", "stance": "", "submission_key": key},
        )
    assert len(contributions(app)) == 1


@pytest.mark.parametrize(
    "text,message",
    [
        ("   \n  ", "Votre contribution est vide"),
        ("x" * 5001, "5 000 caractères"),
    ],
)
def test_bad_text_is_refused_and_what_was_typed_stays(app, coop, text, message):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    response = contribute(ana, cid, text)
    assert response.status_code == 422
    assert message in read(response) or "5000" in read(response)
    if text.strip():
        assert text in read(response)  # nothing typed is lost
    assert contributions(app) == []


@pytest.mark.slow
def test_html_is_stored_as_text_and_escaped(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "<script>alert('x')</script> <b>gras</b>")
    [c] = contributions(app)
    assert c.text == "<script>alert('x')</script> <b>gras</b>"
    html = ana.client.get(f"/consultations/{cid}").get_data(as_text=True)
    assert "<script>alert(" not in html and "&lt;script&gt;" in html


@pytest.mark.slow
def test_edit_keeps_every_version_and_withdraw_too(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Première idée", stance="mixed")
    [c] = contributions(app)
    page = f"/consultations/contributions/{c.id}/edit"
    response = ana.form_post(page, {"text": "Idée précisée", "stance": "against"})
    assert response.status_code == 302
    ana.form_post(
        f"/consultations/{cid}", {}, post_url=f"/consultations/contributions/{c.id}/withdraw"
    )
    with app.app_context():
        db = get_session()
        current = db.get(Contribution, c.id)
        assert (current.text, current.stance, current.withdrawn, current.version) == (
            "Idée précisée",
            "against",
            True,
            3,
        )
        history = list(
            db.exec(
                select(ContributionVersion)
                .where(ContributionVersion.contribution_id == c.id)
                .order_by(ContributionVersion.number)
            )
        )
    assert [(v.number, v.text, v.withdrawn) for v in history] == [
        (1, "Première idée", False),
        (2, "Idée précisée", False),
        (3, "Idée précisée", True),
    ]
    kinds = [e.event_type for e in events(app) if e.object_type == "contribution"]
    assert kinds == ["ContributionSubmitted", "ContributionEdited", "ContributionWithdrawn"]


@pytest.mark.slow
def test_only_the_author_edits(app, coop):
    cid, _ = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "À moi")
    [c] = contributions(app)
    bo = as_person(app, "bo@coop.example")
    assert bo.client.get(f"/consultations/contributions/{c.id}/edit").status_code == 403


def test_uninvited_college_cannot_see_or_contribute(app, coop):
    cid, _ = create(app, coop)
    outsider = as_person(app, "out@coop.example")
    assert outsider.client.get(f"/consultations/{cid}").status_code == 403
    assert "IA et bénévolat" not in read(outsider.client.get("/consultations/"))
    response = contribute(outsider, cid, "Je m'invite")
    assert response.status_code == 403
    assert contributions(app) == []


def test_drafts_are_invisible_to_members(app, coop):
    cid, _ = create(app, coop, open_it=False)
    ana = as_person(app, "ana@coop.example")
    assert ana.client.get(f"/consultations/{cid}").status_code == 403


@pytest.mark.slow
def test_closed_consultation_refuses_contributions_edits_and_votes(app, coop):
    cid, facilitator = create(app, coop)
    ana, bo = as_person(app, "ana@coop.example"), as_person(app, "bo@coop.example")
    contribute(ana, cid, "Avant la clôture")
    [c] = contributions(app)
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {"confirm": "yes"}, post_url=f"{page}/status/closed")
    response = contribute(bo, cid, "Trop tard")
    assert "Cette consultation est close" in read(response)
    response = ana.form_post(f"/consultations/contributions/{c.id}/edit", {"text": "Changé"})
    assert "close" in read(response)
    bo.form_post(
        f"/consultations/{cid}",
        {"value": "1"},
        post_url=f"/consultations/contributions/{c.id}/vote",
        follow_redirects=True,
    )
    with app.app_context():
        assert list(get_session().exec(select(Vote))) == []
    assert [c.text for c in contributions(app)] == ["Avant la clôture"]


def test_consultation_closes_by_itself_at_its_date(app, coop):
    cid, _ = create(app, coop, closes_in=timedelta(hours=2))
    with app.app_context():
        db = get_session()
        later = utcnow() + timedelta(hours=3)
        assert consultation_service.close_due_consultations(db, now=later) == [cid]
        assert db.get(Consultation, cid).status == "closed"
    [event] = [e for e in events(app, "ConsultationStatusChanged") if '"closed"' in e.canonical]
    assert event.actor_ref is None  # the system closed it


@pytest.mark.slow
def test_votes_keep_history_and_the_latest_counts(app, coop):
    cid, _ = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Idée d'Ana")
    [c] = contributions(app)
    bo = as_person(app, "bo@coop.example")
    cards = read(bo.client.get(f"/consultations/{cid}/vote"))
    assert "Idée d'Ana" in cards
    for value in ("1", "-1", "-1", "0"):
        bo.form_post(
            f"/consultations/{cid}/vote",
            {"value": value},
            post_url=f"/consultations/contributions/{c.id}/vote",
        )
    with app.app_context():
        votes = list(get_session().exec(select(Vote).order_by(Vote.id)))
    assert [(v.value, v.latest) for v in votes] == [(1, False), (-1, False), (0, True)]
    assert "Vous avez vu toutes les contributions" in read(
        bo.client.get(f"/consultations/{cid}/vote")
    )


@pytest.mark.slow
def test_no_vote_on_own_or_hidden_contribution(app, coop):
    cid, facilitator = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Mon idée")
    [c] = contributions(app)
    response = ana.form_post(
        f"/consultations/{cid}",
        {"value": "1"},
        post_url=f"/consultations/contributions/{c.id}/vote",
        follow_redirects=True,
    )
    assert "votre propre contribution" in read(response)
    facilitator.form_post(
        f"/facilitate/consultations/{cid}",
        {"reason": "Hors sujet"},
        post_url=f"/facilitate/contributions/{c.id}/hide",
    )
    bo = as_person(app, "bo@coop.example")
    response = bo.form_post(
        f"/consultations/{cid}",
        {"value": "1"},
        post_url=f"/consultations/contributions/{c.id}/vote",
        follow_redirects=True,
    )
    assert "masquée par la modération" in read(response)
    with app.app_context():
        assert list(get_session().exec(select(Vote))) == []


@pytest.mark.slow
def test_next_card_offers_each_unvoted_contribution_once(app, coop, people):
    cid, _ = create(app, coop)
    for email, text in (("ana@coop.example", "Première"), ("anim@coop.example", "Seconde")):
        contribute(as_person(app, email), cid, text)
    bo = as_person(app, "bo@coop.example")
    seen = []
    for _ in range(2):
        page = read(bo.client.get(f"/consultations/{cid}/vote"))
        text = re.search(r'<p class="card-text">([^<]+)</p>', page).group(1)
        seen.append(text)
        contribution_id = re.search(r"/consultations/contributions/(\d+)/vote", page).group(1)
        bo.form_post(
            f"/consultations/{cid}/vote",
            {"value": "0"},
            post_url=f"/consultations/contributions/{contribution_id}/vote",
        )
    assert sorted(seen) == ["Première", "Seconde"]


@pytest.mark.slow
def test_personal_data_is_redacted_for_others_but_not_for_author_or_facilitator(app, coop):
    cid, facilitator = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Appelez Marie Dubois au 06 12 34 56 78 ou marie.dubois@mail.example.")
    [c] = contributions(app)
    assert "06 12 34 56 78" not in c.redacted_text and "[téléphone]" in c.redacted_text
    assert "[e-mail]" in c.redacted_text
    bo = as_person(app, "bo@coop.example")
    card = read(bo.client.get(f"/consultations/{cid}/vote"))
    assert "06 12 34 56 78" not in card and "[téléphone]" in card
    assert "06 12 34 56 78" in read(ana.client.get(f"/consultations/{cid}"))
    assert "06 12 34 56 78" in read(facilitator.client.get(f"/facilitate/consultations/{cid}"))


@pytest.mark.slow
def test_anonymous_consultation_never_links_a_contribution_to_a_member(app, coop):
    cid, facilitator = create(app, coop, anonymity="anonymous")
    ana = as_person(app, "ana@coop.example")
    contribute(ana, cid, "Je préfère ne pas être reconnue")
    [c] = contributions(app)
    assert c.author_id is None
    page = read(facilitator.client.get(f"/facilitate/consultations/{cid}"))
    assert "Anonyme" in page and "Ana Durand" not in page
    with app.app_context():
        ana_ref = (
            get_session()
            .exec(select(AuditEvent.actor_ref).where(AuditEvent.event_type == "MemberSignedIn"))
            .all()
        )
    submitted = events(app, "ContributionSubmitted")[0]
    assert submitted.actor_ref == c.participant_ref and submitted.actor_ref not in ana_ref
    # and the facilitator cannot switch it back
    response = facilitator.form_post(
        f"/facilitate/consultations/{cid}/edit",
        {
            "title": "IA et bénévolat",
            "question": "Q ?",
            "anonymity": "named",
            "stance_scale": "three",
            "colleges": [str(coop["staff"].id)],
        },
    )
    assert "ne peut jamais être désanonymisée" in read(response)


@pytest.mark.slow
def test_reports_hide_automatically_and_facilitator_restores(make_app, coop, people):
    app = make_app(PALABRE_AUTO_HIDE_REPORTS=2)
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Contribution discutée")
    [c] = contributions(app)
    for email in ("bo@coop.example", "anim@coop.example", "bo@coop.example"):
        as_person(app, email).form_post(
            f"/consultations/{cid}/vote",
            {"reason": "Blessant"},
            post_url=f"/consultations/contributions/{c.id}/report",
        )
    [c] = contributions(app)
    assert c.report_count == 2 and c.hidden  # the same member counts once
    hidden = events(app, "ContributionHidden")
    assert len(hidden) == 1 and hidden[0].actor_ref is None
    page = f"/facilitate/consultations/{cid}"
    assert "Masquée par la modération" in read(facilitator.client.get(page + "?show=moderation"))
    facilitator.form_post(
        page, {"reason": "Relu : acceptable"}, post_url=f"/facilitate/contributions/{c.id}/restore"
    )
    [c] = contributions(app)
    assert not c.hidden
    assert len(events(app, "ContributionRestored")) == 1


@pytest.mark.slow
def test_reports_follow_the_rules_of_votes(app, coop):
    """Three members could otherwise hide a closed consultation's contribution and take it out
    of its analysis."""
    cid, facilitator = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    for text in ("Elle sera retirée", "Elle sera masquée", "Elle restera"):
        contribute(ana, cid, text)
    withdrawn, hidden, shown = contributions(app)
    ana.form_post(f"/consultations/{cid}", {},
                  post_url=f"/consultations/contributions/{withdrawn.id}/withdraw")
    facilitator.form_post(f"/facilitate/consultations/{cid}", {"reason": "Hors sujet"},
                          post_url=f"/facilitate/contributions/{hidden.id}/hide")
    bo = as_person(app, "bo@coop.example")

    def report(contribution) -> str:
        response = bo.form_post(f"/consultations/{cid}/vote", {"reason": "Blessant"},
                                post_url=f"/consultations/contributions/{contribution.id}/report",
                                follow_redirects=True)
        return read(response)

    assert "retirée par son auteur" in report(withdrawn)
    assert "masquée par la modération" in report(hidden)
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {"confirm": "yes"}, post_url=f"{page}/status/closed")
    assert "est close" in report(shown)
    assert [c.report_count for c in contributions(app)] == [0, 0, 0]
    assert events(app, "ContributionReported") == []


@pytest.mark.slow
def test_hiding_needs_a_reason(app, coop):
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Texte")
    [c] = contributions(app)
    response = facilitator.form_post(
        f"/facilitate/consultations/{cid}",
        {"reason": " "},
        post_url=f"/facilitate/contributions/{c.id}/hide",
        follow_redirects=True,
    )
    assert "Indiquez la raison" in read(response)
    assert not contributions(app)[0].hidden


def test_facilitator_pages_are_refused_to_members(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    for path in (
        "/facilitate/consultations",
        "/facilitate/consultations/new",
        f"/facilitate/consultations/{cid}",
        f"/facilitate/consultations/{cid}/edit",
    ):
        assert ana.client.get(path).status_code == 403, path
        assert Browser(app.test_client()).client.get(path).status_code == 302, path


@pytest.mark.slow
def test_members_read_everyone_with_hidden_ones_masked(app, coop):
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Visible de tous")
    contribute(as_person(app, "anim@coop.example"), cid, "Propos blessant")
    hidden = [c for c in contributions(app) if c.text == "Propos blessant"][0]
    facilitator.form_post(
        f"/facilitate/consultations/{cid}",
        {"reason": "Insulte"},
        post_url=f"/facilitate/contributions/{hidden.id}/hide",
    )
    page = read(as_person(app, "bo@coop.example").client.get(f"/consultations/{cid}"))
    title = page.split("<title>")[1].split("</title>")[0]
    assert title.startswith("IA et bénévolat ·") and "<" not in title
    assert "Visible de tous" in page
    assert "Propos blessant" not in page and "Masqué par la modération." in page
    assert "Ana Durand" not in page  # pseudonymous: a pseudonym instead of the name


def test_a_scheduled_consultation_says_when_it_opens_in_the_cooperatives_time(app, coop):
    cid, facilitator = create(app, coop, open_it=False)
    opening = "2031-01-15T09:30"  # typed in Paris time (UTC+1 in January)
    page = f"/facilitate/consultations/{cid}/edit"
    facilitator.form_post(page, {
        "title": "IA et bénévolat", "question": "Faut-il ?", "description": "",
        "anonymity": "pseudonymous", "stance_scale": "three",
        "colleges": [str(coop["staff"].id)], "opens_at": opening,
    })
    facilitator.form_post(f"/facilitate/consultations/{cid}", {},
                          post_url=f"/facilitate/consultations/{cid}/status/open")
    with app.app_context():
        stored = get_session().get(Consultation, cid)
        assert stored.opens_at.utcoffset() == timedelta(0) and stored.opens_at.hour == 8
    shown = read(as_person(app, "ana@coop.example").client.get(f"/consultations/{cid}"))
    assert "Cette consultation ouvrira le 15/01/2031 09:30." in shown


@pytest.mark.slow
def test_forms_say_what_is_missing_in_palabres_words_not_the_browsers(app, coop):
    """A form whose field is `required` and lacks `novalidate` shows the browser's own tooltip,
    in the browser's language ("Please check this box")."""
    cid, facilitator = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    pages = [read(ana.client.get(f"/consultations/{cid}"))]
    contribute(ana, cid, "Une contribution à signaler.")
    pages.append(read(as_person(app, "bo@coop.example").client.get(f"/consultations/{cid}/vote")))
    pages.append(read(facilitator.client.get(f"/facilitate/consultations/{cid}")))
    pages.append(read(facilitator.client.get(f"/facilitate/consultations/{cid}/export")))
    checked = 0
    for page in pages:
        for form in re.findall(r"<form[^>]*>.*?</form>", page, flags=re.S):
            if re.search(r"\srequired\b", form):
                checked += 1
                assert "novalidate" in form.split(">", 1)[0], form[:200]
    assert checked >= 1  # the consent box at least
    bo = as_person(app, "bo@coop.example")
    response = bo.form_post(f"/consultations/{cid}", {}, post_url=f"/consultations/{cid}/consent",
                            follow_redirects=True)
    assert "Cochez la case pour accepter la notice." in read(response)


@pytest.mark.slow
def test_closing_and_marking_analysed_ask_for_confirmation(app, coop):
    cid, facilitator = create(app, coop)
    page = f"/facilitate/consultations/{cid}"
    response = facilitator.form_post(page, {}, post_url=f"{page}/status/closed")
    asked = read(response)
    assert response.status_code == 200 and "Clore « IA et bénévolat » ?" in asked
    assert 'name="confirm" value="yes"' in asked
    with app.app_context():
        assert get_session().get(Consultation, cid).status == "open"  # nothing changed yet
    facilitator.form_post(page, {"confirm": "yes"}, post_url=f"{page}/status/closed")
    response = facilitator.form_post(page, {}, post_url=f"{page}/status/analysed")
    assert "Marquer « IA et bénévolat » comme analysée ?" in read(response)
    with app.app_context():
        assert get_session().get(Consultation, cid).status == "closed"


@pytest.mark.slow
def test_the_home_page_lists_what_the_member_can_answer_and_what_closes_soon(app, coop):
    soon, _ = create(app, coop, closes_in=timedelta(days=2))
    later, _ = create(app, coop, closes_in=timedelta(days=30))
    draft, _ = create(app, coop, open_it=False)
    contribute(as_person(app, "bo@coop.example"), soon, "Un avis de Bo.")
    home = read(as_person(app, "ana@coop.example").client.get("/"))
    section = home.split('id="ouvertes"')[1].split("</section>")[0]
    assert section.count('class="card"') == 2  # the draft is not there
    assert f"/consultations/{soon}/vote" in section
    assert "1 contribution à voir et à voter" in section
    assert section.index(f"/consultations/{soon}") < section.index(f"/consultations/{later}")
    assert section.count("Clôture bientôt") == 1
    outsider = read(as_person(app, "out@coop.example").client.get("/"))
    assert "Aucune consultation n'est ouverte à votre collège" in outsider
