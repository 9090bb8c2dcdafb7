"""Redis down: the site still serves its pages and signs people in (the sign-in limits held in
memory meanwhile); an analysis asked for is refused with a clear message and leaves no run
waiting for a queue nobody reads."""

from sqlmodel import select

from consult.db import get_session
from consult.models import AnalysisRun
from tests.helpers import Browser, contribute, create, read

DOWN = "redis://127.0.0.1:6399/0"  # nothing listens there


def test_pages_and_sign_in_work_and_an_analysis_is_refused_clearly(make_app, coop):
    app = make_app(PALABRE_REDIS_URL=DOWN, PALABRE_JOBS_IMMEDIATE=False)
    cid, facilitator = create(app, coop)  # signs in through the form, creates and opens
    member = Browser(app.test_client())
    assert member.login("ana@coop.example").status_code == 302
    contribute(member, cid, "Les trajets entre deux visites sont trop longs.")
    assert "Les trajets entre deux visites" in read(member.client.get(f"/consultations/{cid}"))

    page = f"/facilitate/consultations/{cid}/analysis"
    response = facilitator.form_post(page, {}, follow_redirects=True)
    assert response.status_code == 200
    assert "file d'attente" in read(response)
    with app.app_context():
        assert [r.status for r in get_session().exec(select(AnalysisRun))] == ["failed"]


def test_an_invitation_that_cannot_be_mailed_is_shown_to_the_admin(make_app, people):
    app = make_app(PALABRE_REDIS_URL=DOWN, PALABRE_JOBS_IMMEDIATE=False,
                   PALABRE_MAIL_SERVER="127.0.0.1")
    people.add("admin@coop.example", roles=("admin",))
    admin = Browser(app.test_client())
    assert admin.login("admin@coop.example").status_code == 302
    response = admin.form_post("/admin/members/invite", {
        "email": "nouvelle@coop.example", "display_name": "Nouvelle", "roles": ["member"]},
        follow_redirects=True)
    assert response.status_code == 200
    assert "/invitation/" in read(response)  # the link to pass on, since no mail left

    anyone = Browser(app.test_client())
    response = anyone.form_post("/password/forgot", {"email": "admin@coop.example"},
                                follow_redirects=True)
    assert response.status_code == 200
    assert "Si cette adresse appartient à un membre" in read(response)  # as for anyone
