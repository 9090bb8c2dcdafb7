"""The synthesis of the demo's closed consultation: drafted from the corrected analysis,
published as a frozen version, read and downloaded by the members, never as a draft."""

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest
from sqlmodel import select

from consult.cli import cli
from consult.db import get_session
from consult.demo import load_demo
from consult.models import AuditEvent, Consultation, Synthesis
from consult.services import ServiceError, synthesis, workspace
from consult.services.analysis import analyse_now
from consult.services.explorer import read_analysis
from consult.services.members import find_by_email
from tests.helpers import Browser, csrf_from, read

pytestmark = pytest.mark.slow  # the demo is analysed with spaCy


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in
                             PdfReader(io.BytesIO(body)).pages).split())


@pytest.fixture
def closed(app):
    """The demo's closed consultation, analysed: (id, admin e-mail, password, a member's
    e-mail)."""
    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        consultation = db.exec(select(Consultation).where(
            Consultation.status == "closed")).first()
        analyse_now(db, None, consultation.id, mode="fast")
        member = next(email for email, role in loaded.accounts if role == "member")
        return consultation.id, loaded.admin_email, loaded.password, member


def signed_in(app, email, password):
    browser = Browser(app.test_client())
    assert browser.login(email, password).status_code == 302
    return browser


def test_published_synthesis_is_frozen_and_members_read_only_what_was_published(app, closed):
    cid, admin_email, password, member_email = closed
    admin, member = signed_in(app, admin_email, password), signed_in(app, member_email, password)
    with app.app_context():
        db = get_session()
        facilitator = find_by_email(db, admin_email)
        themes = read_analysis(db, workspace.done_run(db, cid)).themes
        first = themes[0]
        workspace.edit_theme(db, facilitator, cid, "rename", first.id, label="Trajets plus courts")
        workspace.edit_theme(db, facilitator, cid, "summary", first.id,
                             text="Les salariés demandent moins de route entre deux visites.")

    assert member.client.get(f"/consultations/{cid}/synthese").status_code == 404
    assert member.client.get(f"/facilitate/consultations/{cid}/synthesis").status_code == 403
    draft = read(admin.client.get(f"/facilitate/consultations/{cid}/synthesis"))
    assert "Trajets plus courts" in draft and "Brouillon" in draft
    assert "La méthode" in draft and "Participation et représentativité" in draft

    admin.client.post(f"/facilitate/consultations/{cid}/synthesis/publish",
                      data={"csrf_token": csrf_from(draft)})
    with app.app_context():
        db = get_session()
        rows = db.exec(select(Synthesis)).all()
        assert [r.version for r in rows] == [1]
        frozen = json.loads(rows[0].document)["participation"]["colleges"]
        assert db.get(Consultation, cid).status == "published"
        assert "SynthesisPublished" in [e.event_type for e in db.exec(select(AuditEvent))]
        # Corrections after publication change the draft, never what was published.
        workspace.edit_theme(get_session(), find_by_email(db, admin_email), cid, "rename",
                             first.id, label="Un autre nom")

    page = read(member.client.get(f"/consultations/{cid}/synthese"))
    assert "Trajets plus courts" in page and "Un autre nom" not in page
    assert "Les salariés demandent moins de route" in page
    assert "Version n° 1" in page
    # The participation charts, drawn from the frozen figures: one bar per college compared.
    for chart in ("synthese-composition", "synthese-taux"):
        svg = ET.fromstring(re.search(rf'<svg[^>]*aria-labelledby="{chart}-titre.*?</svg>',
                                      page, re.S).group(0))
        bars = svg.findall("{http://www.w3.org/2000/svg}rect")
        assert 1 <= len(bars) <= len(frozen)
        described = svg.find("{http://www.w3.org/2000/svg}desc").text
        assert all(f"{row['college']} : " in described for row in frozen), described
    # Each theme's positions by college: the chart in its section, its figures in the annex.
    theme_chart = re.search(r'<svg[^>]*aria-labelledby="colleges-(\d+)-graphique-titre', page)
    assert theme_chart and f'id="annexe-colleges-{theme_chart.group(1)}"' in page
    assert "lire la synthèse" in read(member.client.get("/consultations/"))
    assert "Ce que la coopérative retient" in read(member.client.get(f"/consultations/{cid}"))
    assert "Un autre nom" in read(admin.client.get(f"/facilitate/consultations/{cid}/synthesis"))

    response = member.client.get(f"/consultations/{cid}/synthese.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.get_data())
    assert "Trajets plus courts" in text and "Un autre nom" not in text
    assert "Les thèmes convergents" in text and "Les thèmes divergents" in text
    assert "La méthode" in text and "Ce que la machine décide" in text
    assert "Participation et représentativité" in text
    assert "Taux de participation par collège" in text  # the chart's title, drawn in the PDF
    for theme in themes[1:]:
        assert theme.label in text  # every theme is in the annex at least

    exported = json.loads(member.client.get(f"/consultations/{cid}/synthese.json").get_data())
    assert exported["analysis"]["themes"][0]["label"] == "Trajets plus courts"
    assert "@" not in json.dumps(exported)  # no e-mail address in what members download


def test_publishing_needs_a_closed_consultation_and_the_facilitation_role(app, closed, people):
    cid, admin_email, _password, _member = closed
    with app.app_context():
        db = get_session()
        open_one = db.exec(select(Consultation).where(Consultation.status == "open")).first()
        analyse_now(db, None, open_one.id, mode="fast")
        with pytest.raises(ServiceError):
            synthesis.publish(db, find_by_email(db, admin_email), open_one.id)
        from consult.services import PermissionDenied

        with pytest.raises(PermissionDenied):
            synthesis.publish(db, people.add("m@coop.example", roles=("member",)), cid)


def test_csv_cells_are_formula_safe_and_labels_are_escaped(app, closed):
    cid, admin_email, password, _member = closed
    with app.app_context():
        db = get_session()
        facilitator = find_by_email(db, admin_email)
        theme = read_analysis(db, workspace.done_run(db, cid)).themes[0]
        workspace.edit_theme(db, facilitator, cid, "rename", theme.id,
                             label='=HYPERLINK("http://evil.example")')
        workspace.edit_theme(db, facilitator, cid, "summary", theme.id,
                             text="<script>alert(1)</script>")
    admin = signed_in(app, admin_email, password)
    body = admin.client.get(f"/facilitate/consultations/{cid}/synthesis/draft.csv").get_data()
    assert "'=HYPERLINK(" in body.decode("utf-8-sig")
    html = admin.client.get(f"/facilitate/consultations/{cid}/synthesis/draft.html")
    assert b"<script>alert(1)</script>" not in html.get_data()
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in html.get_data()


def test_palabre_report_writes_each_format(app, closed, tmp_path):
    cid, _admin, _password, _member = closed
    runner = app.test_cli_runner()
    for name in ("synthese.pdf", "synthese.json", "synthese.csv", "synthese.html"):
        out = tmp_path / name
        result = runner.invoke(cli, ["report", str(cid), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0 and "brouillon" in result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    assert json.loads((tmp_path / "synthese.json").read_text())["consultation"]["id"] == cid
    bad = runner.invoke(cli, ["report", str(cid), "--out", str(tmp_path / "x.docx")])
    assert bad.exit_code != 0 and "Extension inconnue" in bad.output
    missing = runner.invoke(cli, ["report", str(cid), "--published", "--out",
                                  str(tmp_path / "p.pdf")])
    assert missing.exit_code != 0 and "Aucune synthèse publiée" in missing.output


def test_participation_days_are_the_cooperatives_days(app, closed, tmp_path):
    """A contribution written at 23:30 UTC on 10 January counts on the 11th in Paris, in the
    draft, in what is published and in the command line's file."""
    from datetime import UTC, datetime

    from consult.models import Contribution

    cid, admin, password, _member = closed
    with app.app_context():
        db = get_session()
        late = db.exec(select(Contribution).where(Contribution.consultation_id == cid)).first()
        late.created_at = datetime(2026, 1, 10, 23, 30, tzinfo=UTC)
        db.add(late)
        db.commit()

    def days_of(document):
        return {day["day"] for day in document["participation"]["days"]
                if day["contributions"]}

    browser = signed_in(app, admin, password)
    draft = browser.client.get(f"/facilitate/consultations/{cid}/synthesis/draft.json")
    assert draft.status_code == 200
    assert draft.get_json()["time_zone"] == "Europe/Paris"
    assert "2026-01-11" in days_of(draft.get_json())
    assert "2026-01-10" not in days_of(draft.get_json())

    app.config["PALABRE_TIMEZONE"] = "UTC"
    out = tmp_path / "s.json"
    assert app.test_cli_runner().invoke(cli, ["report", str(cid), "--out", str(out)]).exit_code == 0
    assert "2026-01-10" in days_of(json.loads(out.read_text()))

    app.config["PALABRE_TIMEZONE"] = "Europe/Paris"
    page = read(browser.client.get(f"/facilitate/consultations/{cid}/synthesis"))
    browser.client.post(f"/facilitate/consultations/{cid}/synthesis/publish",
                        data={"csrf_token": csrf_from(page)})
    with app.app_context():
        frozen = json.loads(get_session().exec(select(Synthesis).where(
            Synthesis.consultation_id == cid)).one().document)
    assert frozen["time_zone"] == "Europe/Paris" and "2026-01-11" in days_of(frozen)
