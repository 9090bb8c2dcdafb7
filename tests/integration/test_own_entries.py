"""Palabre in its own register: its three entries, and the college check and energy of each
theme analysis, shown on the analysis page and in the register."""

import json

import pytest
from flask import render_template
from sqlmodel import func, select

from consult.cli import cli
from consult.db import get_session
from consult.demo import CONTENT
from consult.models import AuditEvent, Consultation, RegisterEntry
from consult.services import analysis as analysis_service
from consult.services import register
from consult.services.imports import NewContribution, add_in_bulk
from consult.services.own_entries import BUILTINS, college_checks
from ethics_register import entry
from ethics_register.energy import METHODS
from tests.helpers import create, read

FLAG = "Les contributions du collège Partenaires sont plus souvent écartées par l'analyse."
TOO_SHORT = ["Oui.", "Non.", "D'accord.", "Bof.", "Ok", "Pourquoi pas.", "Non merci.",
             "Oui !", "Je ne sais pas.", "Tout à fait."]


def own_entries(app):
    with app.app_context():
        db = get_session()
        rows = db.exec(select(RegisterEntry).where(RegisterEntry.builtin.is_not(None))
                       .order_by(RegisterEntry.id)).all()
        return {row.builtin: register.current_document(db, row) for row in rows}


def events(app) -> int:
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(AuditEvent)).one()


def test_db_upgrade_registers_palabres_three_entries_once_and_valid(app):
    runner = app.test_cli_runner()
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    documents = own_entries(app)
    assert sorted(documents) == sorted(BUILTINS)
    for builtin, document in documents.items():
        assert entry.problems(document) == [], builtin
        assert document["ai_act_tier"] == "minimal" and document["licence"] == "AGPL-3.0-or-later"
        assert document["model_version"].startswith("Palabre ")
    assert "hdbscan" in documents["themes"]["intended_use"]
    assert documents["redaction"]["personal_data"] == "identified"
    assert "CodeCarbon" in documents["themes"]["footprint_method"]
    before = events(app)
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert events(app) == before and len(own_entries(app)) == 3


@pytest.mark.slow  # the demo's contributions are redacted with spaCy
def test_demo_load_registers_them_too(app):
    result = app.test_cli_runner().invoke(cli, ["demo", "load", "--no-analyse"])
    assert result.exit_code == 0, result.output
    assert sorted(own_entries(app)) == sorted(BUILTINS)


@pytest.fixture
def short_partners(app, coop):
    """40 verbatims of the staff from the demo, 30 too-short ones from the partners."""
    cid, facilitator = create(app, coop)
    spec = json.loads(CONTENT.read_text(encoding="utf-8"))["consultations"][0]
    rows = [NewContribution(key=f"s{i}", participant_ref=f"staff-{i}", text=item["text"],
                            college_id=coop["staff"].id)
            for i, item in enumerate(spec["contributions"][:40])]
    rows += [NewContribution(key=f"p{i}", participant_ref=f"partner-{i}",
                             text=TOO_SHORT[i % len(TOO_SHORT)],
                             college_id=coop["partners"].id) for i in range(30)]
    with app.app_context():
        db = get_session()
        add_in_bulk(db, db.get(Consultation, cid), rows, [], actor=None, source="test",
                    input_sha256="0" * 64)
        db.commit()
        run = analysis_service.analyse_now(db, None, cid, mode="fast")
        assert run.status == "done", run.error
    return cid, facilitator, run.id


@pytest.mark.slow  # spaCy redacts and finds the themes
def test_a_college_whose_verbatims_are_all_set_aside_is_flagged_on_the_analysis_page(
        app, short_partners):
    cid, facilitator, run_id = short_partners
    with app.app_context():
        document = json.loads(analysis_service.get_run(get_session(), run_id).result)
    check = document["college_check"]
    assert check["flagged"] == ["Partenaires"]
    (partners,) = [r for r in check["rows"]
                   if r["college"] == "Partenaires" and r["metric"] == "unassigned"]
    assert (partners["value"], partners["denominator"]) == (1.0, 30)
    assert (partners["verdict"], partners["direction"]) == ("fail", "higher")
    assert check["parameters"]["min_count"] == 30
    energy = document["energy"]
    assert energy["method"] in METHODS and energy["kwh"] > 0 and energy["co2e_g"] > 0
    assert energy["explanation"]

    page = read(facilitator.client.get(f"/facilitate/consultations/{cid}/analysis"))
    assert FLAG in page
    assert "Contrôle par collège" in page and "Hors des seuils" in page
    assert '<th scope="row">Partenaires</th>' in page
    assert "Énergie :" in page and "g de CO₂e" in page
    assert "Les contributions du collège Salariés" not in page


@pytest.mark.slow
def test_the_register_partial_shows_each_consultations_latest_check(app, short_partners):
    cid, _facilitator, run_id = short_partners
    with app.app_context():
        checks = college_checks(get_session())
        assert [(c.consultation_id, c.run_id, c.flagged) for c in checks] == [
            (cid, run_id, ("Partenaires",))]
        assert college_checks(get_session(), "redaction") == []
        with app.test_request_context():
            html = render_template("register/_college_check.html", college_checks=checks)
            empty = render_template("register/_college_check.html", college_checks=[])
    import html as entities

    html = entities.unescape(html)
    assert "Contrôle par collège de l'analyse des thèmes" in html
    assert f"IA et bénévolat — analyse n° {run_id} du" in html
    assert FLAG in html and "<caption>" in html and 'scope="col"' in html
    assert "Aucune analyse des thèmes terminée pour l'instant." in entities.unescape(empty)
