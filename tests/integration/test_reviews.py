"""The committee's reviews: recorded with the seven ALTAI answers, signed by each member
present once, read by the gate only when signed and only for the version they reviewed."""

import pytest

from consult.services import PermissionDenied, ServiceError, register, reviews
from consult.services.audit_log import signer_for
from ethics_register import review
from tests.helpers import csrf_from, events
from tests.unit.test_entry import complete

ANSWERS = {name: "met" for name, _ in review.REQUIREMENTS}
NOTES = {name: "Vu en séance du comité." for name, _ in review.REQUIREMENTS}


@pytest.fixture
def setup(app, people, session):
    from consult.services.members import find_by_email

    people.add("ethique@coop.example", name="Inès Éthique", roles=("ethics",))
    people.add("second@coop.example", name="Paul Second", roles=("ethics",))
    people.add("membre@coop.example")
    signer = signer_for(app.config)
    ethics = find_by_email(session, "ethique@coop.example")
    row = register.create_entry(session, ethics, complete(), signer)
    return {"ethics": ethics, "second": find_by_email(session, "second@coop.example"),
            "member": find_by_email(session, "membre@coop.example"), "entry": row,
            "signer": signer}


def opinion(kind="favourable", **changes):
    return reviews.ReviewInput(answers={**ANSWERS, **changes}, notes=NOTES, opinion=kind,
                               conditions="Relire chaque trimestre." if "conditions" in kind
                               else "")


def test_a_review_is_recorded_signed_and_read_by_the_gate(app, session, setup):
    s = setup
    record = reviews.record_review(session, s["ethics"], s["entry"].id, opinion(), s["signer"])
    assert record.version == 1
    reviews.sign_review(session, s["second"], record.id, s["signer"])
    with pytest.raises(ServiceError, match="déjà signé"):
        reviews.sign_review(session, s["second"], record.id, s["signer"])
    kinds = [e.event_type for e in events(app) if e.object_type == "review"]
    assert kinds == ["ReviewRecorded", "ReviewSigned", "ReviewSigned"]
    codes = [r.code for r in register.deployment_refusals(session, s["entry"])]
    assert codes == ["no_test"]  # the opinion is there; the bias test is not


def test_an_opinion_is_for_its_version_only(session, setup):
    s = setup
    reviews.record_review(session, s["ethics"], s["entry"].id, opinion(), s["signer"])
    register.revise_entry(session, s["ethics"], s["entry"].id, complete(owner="Direction"),
                          s["signer"])
    codes = [r.code for r in register.deployment_refusals(session, s["entry"])]
    assert codes == ["no_opinion", "no_test"]


def test_an_unfavourable_latest_opinion_blocks_and_members_cannot_review(session, setup):
    s = setup
    reviews.record_review(session, s["ethics"], s["entry"].id, opinion(), s["signer"])
    reviews.record_review(session, s["ethics"], s["entry"].id,
                          opinion("unfavourable", fairness="not_met"), s["signer"])
    assert "no_opinion" in [r.code for r in register.deployment_refusals(session, s["entry"])]
    with pytest.raises(PermissionDenied):
        reviews.record_review(session, s["member"], s["entry"].id, opinion(), s["signer"])


def test_an_incomplete_review_names_each_missing_answer(session, setup):
    s = setup
    data = reviews.ReviewInput(answers={**ANSWERS, "privacy": ""}, notes=NOTES,
                               opinion="favourable_with_conditions")
    with pytest.raises(reviews.ReviewInvalid) as refused:
        reviews.record_review(session, s["ethics"], s["entry"].id, data, s["signer"])
    assert {p.field for p in refused.value.problems} == {"answer_privacy", "conditions"}


def test_the_review_pages(app, people, browser):
    from consult.db import get_session
    from consult.services.members import find_by_email

    people.add("ethique@coop.example", name="Inès Éthique", roles=("ethics",))
    people.add("second@coop.example", name="Paul Second", roles=("ethics",))
    with app.app_context():
        db = get_session()
        row = register.create_entry(db, find_by_email(db, "ethique@coop.example"), complete(),
                                    signer_for(app.config))
        entry_id = row.id
    browser.login("ethique@coop.example")
    url = f"/registre/{entry_id}/avis"
    token = csrf_from(browser.client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "opinion": "favourable_with_conditions"}
    form.update({f"answer_{n}": "met" for n in ANSWERS})
    form.update({f"notes_{n}": "Vérifié." for n in ANSWERS})
    response = browser.client.post(url, data=form)
    assert response.status_code == 422
    assert "dit quelles conditions" in response.get_data(as_text=True)
    form["conditions"] = "Relire chaque trimestre."
    assert browser.client.post(url, data=form).status_code == 302
    page = browser.client.get(f"/registre/{entry_id}").get_data(as_text=True)
    assert "favorable sous conditions" in page and "Inès Éthique" in page
    assert "Signer cet avis" not in page
    browser.logout()
    browser.login("second@coop.example")
    page = browser.client.get(f"/registre/{entry_id}").get_data(as_text=True)
    action = page.split('action="/registre/avis/')[1].split('"')[0]
    response = browser.client.post(f"/registre/avis/{action}", data={
        "csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "Paul Second" in response.get_data(as_text=True)
