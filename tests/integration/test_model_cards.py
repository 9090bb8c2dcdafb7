"""The model card of a register entry: a real PDF in French typography and a JSON document with
every field; the committee's for the committee, the public one for what the public register
shows; members' words printed as text, and nothing fetched from anywhere."""

import io
import json
import re
import zlib

import pytest

from consult import reports
from consult.services import model_cards, register, reviews
from consult.services.audit_log import signer_for
from consult.services.members import find_by_email
from consult.typography import NBSP, NNBSP
from consult.views import model_cards as views
from ethics_register import entry, review
from tests.helpers import as_person, pdf_text
from tests.unit.test_entry import complete


@pytest.fixture
def committee(app, people, session):
    people.add("ethique@coop.example", name="Inès Éthique", roles=("ethics",))
    people.add("membre@coop.example", name="Marc Membre")
    return find_by_email(session, "ethique@coop.example"), signer_for(app.config)


def _reviewed(session, ethics, signer, row, **extra):
    names = [name for name, _ in review.REQUIREMENTS]
    return reviews.record_review(session, ethics, row.id, reviews.ReviewInput(
        answers=dict.fromkeys(names, "met"), notes=dict.fromkeys(names, "Vérifié en séance."),
        opinion="favourable_with_conditions", conditions="Relire chaque tri : 12000 demandes.",
        **extra), signer)


@pytest.fixture
def card_entry(session, committee):
    ethics, signer = committee
    row = register.create_entry(session, ethics, complete(
        energy_kwh="12000", contacts="accueil@coop.example",
        performance="Précision : 91 % sur 15000 demandes !"), signer)
    register.revise_entry(session, ethics, row.id, complete(
        energy_kwh="12000", contacts="accueil@coop.example", owner="Direction",
        performance="Précision : 91 % sur 15000 demandes !"), signer)
    _reviewed(session, ethics, signer, row, dissent="Une voix contre.")
    return row.id


def pdf_characters(body: bytes) -> set[str]:
    """The characters the PDF's fonts draw, read from their ToUnicode maps (text extraction
    may print every kind of space as an ordinary one)."""
    drawn = set()
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            text = zlib.decompress(stream)
        except zlib.error:
            continue
        for block in re.findall(rb"beginbfchar(.*?)endbfchar", text, re.S):
            drawn |= {chr(int(code, 16))
                      for code in re.findall(rb"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]{4})>", block)}
    return drawn


def test_the_committee_downloads_the_card_as_a_pdf_in_french_typography(app, card_entry):
    response = as_person(app, "ethique@coop.example").client.get(
        f"/registre/{card_entry}/fiche.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="fiche-modele-{card_entry}-tri-des-demandes-d-aide.pdf"')
    body = response.get_data()
    assert body.startswith(b"%PDF-")
    text = pdf_text(body)
    flat = " ".join(text.split())
    assert "Tri des demandes d'aide" in flat
    assert "Précision : 91 % sur 15 000 demandes !" in flat
    assert {NNBSP, NBSP} <= pdf_characters(body)  # the typography's spaces are printed
    assert "Inès Éthique" in flat  # the review's signer
    assert "Favorable sous conditions".lower() in flat.lower()
    assert "Aucun test de biais enregistré pour cette version." in flat
    assert "Direction" in flat and "Version 2" in flat
    assert "accueil@coop.example" in flat  # the committee's card has the contacts


def test_the_pdf_is_printed_by_weasyprint_with_its_pages_numbered(app, session, committee,
                                                                   card_entry):
    from flask import render_template
    from weasyprint import HTML

    ethics, _signer = committee
    card = model_cards.model_card(session, ethics, card_entry)
    with app.test_request_context("/"):
        from consult.forms import ENTRY_STATUS_LABELS

        html = render_template(
            "register/model_card.html", card=card, public=False,
            status_labels=ENTRY_STATUS_LABELS, labels=entry.CHOICE_LABELS, fields=entry.FIELDS,
            requirements=dict(review.REQUIREMENTS), review_labels=review.LABELS,
            proposal_url=None, journal_url="http://localhost/journal")
    assert 'lang="fr"' in html and 'href="print.css"' in html
    assert f"Précision{NNBSP}: 91{NBSP}% sur 15{NNBSP}000 demandes{NNBSP}!" in html
    assert f"Relire chaque tri{NNBSP}: 12{NNBSP}000 demandes." in html
    fetcher = reports.StaticFetcher()
    document = HTML(string=html, base_url=reports.base_url(),
                    url_fetcher=reports.as_url_fetcher(fetcher)).render()
    assert len(document.pages) >= 3  # a cover, the groups, the review and history
    assert fetcher.asked == [(reports.STATIC / "print.css").as_uri()]


def test_the_json_has_every_field_of_the_document(app, session, card_entry):
    response = as_person(app, "ethique@coop.example").client.get(
        f"/registre/{card_entry}/fiche.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].endswith(
        f'fiche-modele-{card_entry}-tri-des-demandes-d-aide.json"')
    card = response.get_json()
    assert card["schema"] == "palabre.model-card/1"
    assert set(card["fields"]) == set(entry.FIELDS)
    assert card["fields"]["owner"] == "Direction" and card["fields"]["energy_kwh"] == "12000"
    assert [f["name"] for g in card["groups"] for f in g["fields"]] == list(entry.FIELDS)
    assert (card["version"], [v["version"] for v in card["history"]]) == (2, [2, 1])
    assert card["history"][0]["changed"] == ["owner"]
    assert card["review"]["opinion"] == "favourable_with_conditions"
    assert card["review"]["dissent"] == "Une voix contre."
    assert [s["name"] for s in card["review"]["signers"]] == ["Inès Éthique"]
    assert card["bias_tests"] == []
    assert card["checkpoint"]["tree_size"] >= 4 and len(card["checkpoint"]["root_hash"]) == 64
    assert card["version_date"].endswith("+00:00") and "T" in card["generated_at"]
    assert card["proposal"] is None
    assert "author_ref" not in json.dumps(card)  # who wrote each version is not on the card


@pytest.mark.parametrize("path", ["fiche.pdf", "fiche.json"])
def test_a_member_without_the_committee_role_is_refused(app, card_entry, path):
    response = as_person(app, "membre@coop.example").client.get(
        f"/registre/{card_entry}/{path}")
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["fiche.pdf", "fiche.json"])
def test_a_missing_entry_is_not_found(app, committee, path):
    browser = as_person(app, "ethique@coop.example")
    assert browser.client.get(f"/registre/999/{path}").status_code == 404
    assert browser.client.get(f"/ia/999/{path}").status_code == 404


def test_a_member_s_markup_is_printed_as_text_and_fetches_nothing(app, session, committee,
                                                                  monkeypatch):
    ethics, signer = committee
    row = register.create_entry(session, ethics, complete(
        name="<script>alert(1)</script> Tri",
        description='Voir <img src="http://tracker.example/x.png"> et '
                    '<link rel="stylesheet" href="https://evil.example/a.css">'), signer)
    asked = []

    class Recording(reports.StaticFetcher):
        def __call__(self, url):
            asked.append(url)
            return super().__call__(url)

    monkeypatch.setattr(reports, "StaticFetcher", Recording)
    browser = as_person(app, "ethique@coop.example")
    response = browser.client.get(f"/registre/{row.id}/fiche.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF-")
    assert asked == [(reports.STATIC / "print.css").as_uri()]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="fiche-modele-{row.id}-script-alert-1-script-tri.pdf"')
    text = pdf_text(response.get_data())
    flat = " ".join(text.split())
    assert "<script>alert(1)</script> Tri" in flat
    assert '<img src="http://tracker.example/x.png">' in flat
    card = browser.client.get(f"/registre/{row.id}/fiche.json").get_json()
    assert card["name"] == "<script>alert(1)</script> Tri"


def test_the_fetcher_serves_static_files_and_refuses_everything_else(tmp_path):
    fetcher = reports.StaticFetcher()
    response = fetcher((reports.STATIC / "print.css").as_uri())
    assert b"@page" in response.read() and response.headers["Content-Type"] == "text/css"
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    refused = [
        "http://tracker.example/x.png", "https://127.0.0.1/a.css", "ftp://example.org/f",
        "data:text/css,body{}", outside.as_uri(), "file:///etc/passwd",
        (reports.STATIC / ".." / "config.py").as_uri(),
        reports.STATIC.as_uri() + "/%2e%2e/config.py",
        "file://evil.example" + (reports.STATIC / "print.css").as_posix(),
        reports.STATIC.as_uri() + "/", reports.STATIC.as_uri() + "/missing.css",
    ]
    for url in refused:
        with pytest.raises(reports.ResourceRefused):
            fetcher(url)
    link = reports.STATIC / "link-test.css"
    try:
        link.symlink_to(outside)
        with pytest.raises(reports.ResourceRefused):
            fetcher(link.as_uri())
    finally:
        link.unlink(missing_ok=True)


def test_weasyprint_asks_the_fetcher_for_markup_that_reaches_it_and_gets_nothing():
    """Were markup ever to slip past the escaping, its addresses would still be refused."""
    html = ('<!doctype html><html lang="fr"><head><link rel="stylesheet" href="print.css">'
            '<link rel="stylesheet" href="https://evil.example/a.css"></head><body>'
            '<img src="http://tracker.example/x.png"><img src="file:///etc/passwd">'
            '<p style="background: url(http://tracker.example/bg.png)">x</p></body></html>')
    fetcher = reports.StaticFetcher()
    body = reports.pdf_from_html(html, fetcher=fetcher)
    assert body.startswith(b"%PDF-")
    assert (reports.STATIC / "print.css").as_uri() in fetcher.asked
    assert {"https://evil.example/a.css", "http://tracker.example/x.png",
            "file:///etc/passwd"} <= set(fetcher.asked)
    assert io.BytesIO(body).read(5) == b"%PDF-"


def _deploy_ready(session, ethics, signer, row):
    register.change_status(session, ethics, row.id, "in_review", "dossier complet", signer)
    register.change_status(session, ethics, row.id, "approved", "avis favorable", signer)


def test_the_public_card_shows_only_what_the_public_register_shows(app, session, committee,
                                                                   card_entry):
    ethics, signer = committee
    anonymous = app.test_client()
    assert anonymous.get(f"/ia/{card_entry}/fiche.json").status_code == 404  # proposed
    row = register.get_entry(session, card_entry)
    _deploy_ready(session, ethics, signer, row)
    response = anonymous.get(f"/ia/{card_entry}/fiche.json")
    assert response.status_code == 200
    card = response.get_json()
    public = {name for name, spec in entry.FIELDS.items() if spec.public}
    assert set(card["fields"]) <= public and "contacts" not in card["fields"]
    assert card["fields"]["owner"] == "Direction"
    for hidden in ("review", "history", "status_changes", "bias_tests", "proposal",
                   "version_date"):
        assert hidden not in card
    assert card["audience"] == "public" and card["checkpoint"]["tree_size"] > 0
    text = json.dumps(card, ensure_ascii=False)
    assert "Inès" not in text and "accueil@coop.example" not in text
    response = anonymous.get(f"/ia/{card_entry}/fiche.pdf")
    assert response.status_code == 200 and response.get_data().startswith(b"%PDF-")
    text = pdf_text(response.get_data())
    flat = " ".join(text.split())
    assert "Tri des demandes d'aide" in flat
    assert "accueil@coop.example" not in flat and "Inès" not in flat
    assert "Aucun test de biais" not in flat


def test_a_visitor_cannot_make_the_server_print_without_end(app, session, committee,
                                                           card_entry, monkeypatch):
    ethics, signer = committee
    _deploy_ready(session, ethics, signer, register.get_entry(session, card_entry))
    monkeypatch.setattr(reports, "pdf_from_html", lambda html, **_: b"%PDF-1.7 stub")
    anonymous = app.test_client()
    limit = int(views.PUBLIC_PDF_LIMIT.split()[0])
    codes = [anonymous.get(f"/ia/{card_entry}/fiche.pdf").status_code for _ in range(limit + 1)]
    assert codes == [200] * limit + [429]
    assert anonymous.get(f"/ia/{card_entry}/fiche.json").status_code == 200
