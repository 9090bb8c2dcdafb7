"""Mixed ids in the explorer: a run or a correction of consultation A addressed under
consultation B's URL, a verbatim of B moved into a theme of A. Refused and nothing changed."""

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.demo import load_demo
from consult.models import Consultation, Contribution
from consult.services import workspace
from consult.services.analysis import analyse_now
from consult.services.explorer import read_analysis
from consult.services.members import find_by_email
from tests.helpers import Browser, csrf_from, read
from tests.security.test_idor import database_state

pytestmark = pytest.mark.slow  # a demo consultation is analysed with spaCy


@pytest.fixture
def analysed(app):
    """The demo, its first consultation (A) analysed with one correction; another one (B)."""
    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        a, b = [c.id for c in db.exec(select(Consultation).order_by(Consultation.id))][:2]
        run = analyse_now(db, None, a, mode="fast")
        themes = read_analysis(db, workspace.done_run(db, a)).themes
        admin = find_by_email(db, loaded.admin_email)
        edit = workspace.edit_theme(db, admin, a, "rename", themes[0].id, label="Nom choisi")
        b_says = db.exec(select(Contribution.id).where(Contribution.consultation_id == b)).first()
        browser = Browser(app.test_client())
        assert browser.login(loaded.admin_email, loaded.password).status_code == 302
        return {"a": a, "b": b, "run": run.id, "edit": edit.id, "b_says": b_says,
                "themes": [t.id for t in themes], "browser": browser}


def test_a_runs_and_corrections_ids_count_only_under_their_own_consultation(app, analysed):
    a, b, run, edit = analysed["a"], analysed["b"], analysed["run"], analysed["edit"]
    first, second = analysed["themes"][:2]
    client = analysed["browser"].client
    token = csrf_from(read(client.get("/")))
    base = f"/facilitate/consultations/{b}"
    assert client.get(f"/facilitate/consultations/{a}/analysis/runs/{run}").status_code == 200
    before = database_state(app)
    for path in (f"{base}/analysis/runs/{run}", f"{base}/analysis/{run}/progress.json",
                 f"{base}/themes/{first}"):
        assert client.get(path).status_code == 404, path
    for path, data in ((f"{base}/analysis/{run}/cancel", {}),
                       (f"{base}/themes/edits/{edit}/undo", {})):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 404, path
    for path, data in ((f"{base}/themes/{first}/rename", {"label": "Sous la mauvaise adresse"}),
                       (f"{base}/themes/{first}/merge", {"other": str(second)})):
        client.post(path, data={"csrf_token": token, **data})
    assert database_state(app) == before
    # A verbatim of B moved into a theme of A, under A's own address: refused too.
    page = f"/facilitate/consultations/{a}/themes/{first}"
    client.post(f"{page}/move", data={"csrf_token": token, "destination": str(first),
                                      "contribution": str(analysed["b_says"])})
    assert database_state(app) == before  # no correction stored: no ThemeEdit row
