"""What goes wrong is answered cleanly: the error pages (consult/views/__init__.py) render in the
reader's language after a database error, and odd input gets a 404 or a message, never a 500."""

import pytest
from sqlalchemy.exc import IntegrityError

from consult.db import get_session
from consult.models import College
from tests.helpers import as_person, contribute, contributions, create, read

HUGE = "1" + "0" * 24  # a page number, an offset or an id of 25 digits


def test_after_a_database_error_the_error_page_renders_in_the_readers_language(make_app, people):
    app = make_app()

    @app.get("/test-database-error")
    def database_error():
        db = get_session()
        db.add(College(name="Doublon", vote_weight=10))
        db.add(College(name="Doublon", vote_weight=10))
        db.flush()  # IntegrityError: the Session is left in a failed transaction
        raise AssertionError("unreachable")

    people.add("ana@coop.example", name="Ana Durand")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the 500 page, not a raise
    ana = as_person(app, "ana@coop.example")
    response = ana.client.get("/test-database-error")
    page = read(response)
    assert response.status_code == 500
    assert "Erreur du serveur" in page and "Connecté·e : Ana Durand" in page
    ana.client.get("/language/en?next=/")
    page = read(ana.client.get("/test-database-error"))
    assert "Server error" in page and "Ana Durand" in page
    assert read(ana.client.get("/")).count("Ana Durand") >= 1  # the next request is served


@pytest.mark.slow
def test_page_numbers_offsets_and_ids_of_25_digits_are_not_found_or_ignored(app, coop):
    cid, facilitator = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "Une contribution parmi d'autres.")
    bo = as_person(app, "bo@coop.example")
    assert bo.client.get(f"/consultations/{cid}?page={HUGE}").status_code == 404
    assert "Page introuvable" in read(bo.client.get(f"/consultations/{cid}?page={HUGE}"))
    assert facilitator.client.get(f"/facilitate/consultations/{cid}?page={HUGE}"
                                  ).status_code == 404
    past_the_end = bo.client.get(f"/consultations/{cid}?page=999")
    assert past_the_end.status_code == 200 and "Une contribution parmi" in read(past_the_end)
    assert bo.client.get(f"/consultations/{cid}/vote?skip={HUGE}&skip=x").status_code == 200


def test_a_college_filter_of_25_digits_is_ignored(app, people):
    people.add("admin@coop.example", roles=("admin",))
    admin = as_person(app, "admin@coop.example")
    assert admin.client.get(f"/admin/members?college={HUGE}").status_code == 200


@pytest.mark.slow
def test_another_members_submission_key_is_refused_with_a_message(app, coop):
    cid, _ = create(app, coop)
    contribute(as_person(app, "ana@coop.example"), cid, "La mienne.")
    [mine] = contributions(app)
    bo = as_person(app, "bo@coop.example")
    page = f"/consultations/{cid}"
    bo.form_post(page, {"accept": "y"}, post_url=f"{page}/consent")
    response = bo.form_post(page, {"text": "La sienne.", "stance": "for",
                                   "submission_key": mine.submission_key},
                            post_url=f"{page}/contribute")
    assert response.status_code == 422
    assert "Ce formulaire n'est plus valable" in read(response)
    assert "La sienne." in read(response)  # what was typed stays
    assert [c.text for c in contributions(app)] == ["La mienne."]


@pytest.mark.parametrize("target", [
    "/%09/evil.example", "/%0d%0aSet-Cookie:%20x=1", "/\\evil.example", "//evil.example",
    "https://evil.example/", "/%20/evil.example",
])
def test_redirects_after_sign_in_and_language_stay_on_the_site(people, browser, target):
    people.add("ana@coop.example")
    response = browser.client.get(f"/language/en?next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = browser.login("ana@coop.example", query_string=f"next={target}")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_path_of_the_site_is_where_sign_in_and_language_go_back(people, browser):
    people.add("ana@coop.example")
    assert browser.client.get("/language/en?next=/consultations/?page=2").headers[
        "Location"] == "/consultations/?page=2"
    response = browser.login("ana@coop.example", query_string="next=/proposals/")
    assert response.headers["Location"] == "/proposals/"


def test_an_integrity_error_is_not_swallowed_by_the_retry(app):
    """The retry runs a change again only on a conflict; other errors reach the caller."""
    from consult.services import retry_on_conflict

    calls = []

    def change():
        calls.append(1)
        raise ValueError("not a conflict")

    with app.app_context(), pytest.raises(ValueError):
        retry_on_conflict(get_session(), change)
    assert len(calls) == 1

    def always_conflicting():
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("unique"))

    calls.clear()
    with app.app_context(), pytest.raises(IntegrityError):
        retry_on_conflict(get_session(), always_conflicting)
    assert len(calls) > 1


@pytest.mark.slow
@pytest.mark.parametrize("text", ["\x00", "\u200b\u200b\u200b", " \u200d\ufeff\t\n", "\x07\x1b"])
def test_text_that_is_not_text_is_refused_as_empty(app, coop, text):
    cid, _ = create(app, coop)
    response = contribute(as_person(app, "ana@coop.example"), cid, text)
    assert response.status_code == 422 and "Votre contribution est vide" in read(response)
    assert contributions(app) == []


@pytest.mark.slow
def test_a_nul_byte_inside_a_text_is_dropped_and_the_rest_kept(app, coop):
    cid, _ = create(app, coop)
    response = contribute(as_person(app, "ana@coop.example"), cid, "Gardons\x00 la main.")
    assert response.status_code == 302  # PostgreSQL refuses NUL in text: never sent to it
    assert [c.text for c in contributions(app)] == ["Gardons la main."]


@pytest.mark.slow
def test_a_field_longer_than_its_column_is_refused_before_the_database(app, coop):
    cid, _ = create(app, coop)
    ana = as_person(app, "ana@coop.example")
    page = f"/consultations/{cid}"
    ana.form_post(page, {"accept": "y"}, post_url=f"{page}/consent")
    response = ana.form_post(page, {"text": "Un avis.", "stance": "for",
                                    "submission_key": "k" * 100},
                             post_url=f"{page}/contribute")
    assert response.status_code == 422
    assert "dépasse la longueur permise (64 caractères)" in read(response)
    assert contributions(app) == []
