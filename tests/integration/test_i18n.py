"""French by default, English on request, error pages in both."""

from tests.helpers import read


def test_french_is_the_default(client):
    page = read(client.get("/login"))
    assert '<html lang="fr">' in page and "Connexion" in page and "Mot de passe" in page


def test_english_on_request_is_remembered(client):
    response = client.get("/language/en?next=/login")
    assert response.headers["Location"] == "/login"
    page = read(client.get("/login"))
    assert '<html lang="en">' in page
    assert "Password" in page and "Mot de passe" not in page


def test_language_switch_refuses_to_leave_the_site(client):
    assert client.get("/language/en?next=https://evil.example").headers["Location"] == "/"
    assert client.get("/language/en?next=//evil.example").headers["Location"] == "/"


def test_not_found_page_in_both_languages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page introuvable" in read(response)
    client.get("/language/en")
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in read(response)


def test_forbidden_page_in_both_languages(app, people, browser):
    people.add("ana@coop.example")
    browser.login("ana@coop.example")
    assert "Accès refusé" in read(browser.client.get("/admin/members"))
    browser.client.get("/language/en")
    response = browser.client.get("/admin/members")
    assert response.status_code == 403 and "Access denied" in read(response)


def test_server_error_page_in_both_languages(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500 and "Erreur du serveur" in read(response)
    client.get("/language/en")
    assert "Server error" in read(client.get("/boom"))


def test_every_catalogue_message_is_translated():
    from pathlib import Path

    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[2] / "consult" / "translations"
    with open(root / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert missing == []
