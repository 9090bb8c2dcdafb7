"""The ethics committee's journey in a real browser: a model registered through the entry form,
sent to review and approved, refused by the deployment gate while its evidence is missing, then
given a bias test (a real prediction file uploaded) and a favourable review, and deployed
through the gate. axe-core on every page, in French, then in English and at phone width."""

from selenium.webdriver.support.ui import Select
from sqlmodel import select

from consult.db import get_session
from consult.demo import email_for
from consult.models import BiasTest, RegisterEntry, Review
from ethics_register.review import REQUIREMENTS
from tests.browser.conftest import PHONE, WINDOW
from tests.browser.test_journeys import sign_in
from tests.helpers import events
from tests.integration.test_cli_register import rows, write_csv
from tests.unit.test_entry import complete

ETHICS = "Sabrina Haddad"
ENTRY = complete()  # the catalogue's complete entry, typed into the form


def fair_predictions(folder):
    """A prediction file of a model that treats every college alike (its predictions are the
    true outcomes): every verdict of its bias test passes."""
    data = rows()
    for row in data:
        row[2] = "1" if row[1] == "oui" else "0"
    return write_csv(folder / "prédictions.csv", data)


def entry(app):
    with app.app_context():
        return get_session().exec(select(RegisterEntry)).one()


def fill(page, values: dict) -> None:
    """Each field by its name: a list is chosen from, a text box typed in."""
    for name, value in values.items():
        element = page.find(f"#{name}")
        if element.tag_name == "select":
            Select(element).select_by_value(value)
        else:
            element.clear()
            element.send_keys(value)


def change_status(page, status, reason):
    fill(page, {"status": status, "reason": reason})
    page.submit_with(page.find("#etat ~ form button[type=submit]"))


def refusals(page) -> list[str]:
    return [li.text for li in page.driver.find_elements(
        "css selector", "#etat ~ .notice li")]


def test_the_committee_registers_tests_reviews_and_deploys_a_model_through_the_gate(
        app, page, live, tmp_path):
    sign_in(page, email_for(ETHICS), live.demo.password)
    page.open("/registre")
    page.check("register")
    page.submit_with(page.find("main a.button[href$='/registre/nouvelle']"))
    page.check("entry-form")
    fill(page, ENTRY)
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("entry")
    row = entry(app)
    assert (row.name, row.status, row.current_version) == (ENTRY["name"], "proposed", 1)
    assert page.path() == f"/registre/{row.id}"

    change_status(page, "in_review", "Dossier complet.")
    change_status(page, "approved", "Lu en séance.")
    page.check("approved")
    assert entry(app).status == "approved"

    # The gate refuses: neither a bias test nor an opinion yet.
    missing = refusals(page)
    assert len(missing) == 2, missing
    change_status(page, "deployed", "Mise en service.")
    page.check("gate-refused")
    assert entry(app).status == "approved"
    said = [m.text for m in page.driver.find_elements("css selector", ".messages .message-error")]
    assert len(said) == 2 and said == refusals(page), (said, refusals(page))

    # A bias test: the prediction file uploaded with its columns.
    page.submit_with(page.find(f"main a.button[href$='/registre/{row.id}/tests/nouveau']"))
    page.check("bias-test-form")
    page.find("#file").send_keys(str(fair_predictions(tmp_path)))
    fill(page, {"label": "réel", "prediction": "prédit", "sensitive": "collège",
                "n_boot": "50"})
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("bias-test")
    with app.app_context():
        tests = list(get_session().exec(select(BiasTest).where(BiasTest.entry_id == row.id)))
    assert [(t.version, t.rows, t.failed, t.not_enough_data) for t in tests] == [
        (1, 3000, 0, 0)]
    assert tests[0].passed > 0

    page.open(f"/registre/{row.id}")
    assert len(refusals(page)) == 1, refusals(page)  # the opinion is still missing

    # The committee's review of version 1, favourable.
    page.submit_with(page.find(f"main a[href$='/registre/{row.id}/avis']"))
    page.check("review-form")
    for name, _label in REQUIREMENTS:
        page.find(f"input[name=answer_{name}][value=met]").click()
        page.find(f"#notes_{name}").send_keys("Vu en séance du comité.")
    page.find("input[name=opinion][value=favourable]").click()
    page.submit_with(page.find("main form button[type=submit]"))
    page.check("reviewed")
    with app.app_context():
        reviews = [(r.version, r.opinion) for r in get_session().exec(
            select(Review).where(Review.entry_id == row.id))]
    assert reviews == [(1, "favourable")]
    assert refusals(page) == []

    # The gate lets it through.
    change_status(page, "deployed", "Mise en service après avis favorable.")
    page.check("deployed")
    assert entry(app).status == "deployed"
    changes = [e.event_type for e in events(app) if e.object_id == str(row.id)
               and e.event_type.startswith("RegisterEntry")]
    assert changes.count("RegisterEntryStatusChanged") == 3, changes

    tested = f"/registre/tests/{tests[0].id}"
    page.visited = ["/registre/nouvelle", f"/registre/{row.id}", f"/registre/{row.id}/avis",
                    f"/registre/{row.id}/tests/nouveau", tested]
    page.recheck_visited("en", *WINDOW)
    page.recheck_visited("en", *PHONE)
    page.recheck_visited("fr", *PHONE)
