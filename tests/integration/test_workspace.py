"""The facilitator explores and corrects the themes of the demo consultation; corrections are
audited, undone, and kept across a re-run."""

import json

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.demo import load_demo
from consult.models import AuditEvent, College, Consultation, Contribution, ThemeEdit
from consult.services import NotFound, PermissionDenied, ServiceError, workspace
from consult.services.analysis import analyse_now
from consult.services.explorer import read_analysis
from consult.services.members import find_by_email
from tests.helpers import Browser, csrf_from, read

pytestmark = pytest.mark.slow  # the demo is analysed with spaCy


@pytest.fixture
def demo(app):
    """The demo loaded and its first consultation analysed; (consultation id, admin e-mail,
    password)."""
    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        first = db.exec(select(Consultation).order_by(Consultation.id)).first()
        analyse_now(db, None, first.id, mode="fast")
        return first.id, loaded.admin_email, loaded.password


def signed_in(app, email, password):
    browser = Browser(app.test_client())
    assert browser.login(email, password).status_code == 302
    return browser


def themes_of(app, cid):
    with app.app_context():
        db = get_session()
        return read_analysis(db, workspace.done_run(db, cid)).themes


def test_rename_merge_and_undo_through_the_pages(app, demo):
    cid, email, password = demo
    browser = signed_in(app, email, password)
    analysis = read(browser.client.get(f"/facilitate/consultations/{cid}/analysis"))
    assert f'href="/facilitate/consultations/{cid}/themes"' in analysis  # the way to the explorer
    explorer = read(browser.client.get(f"/facilitate/consultations/{cid}/themes"))
    first, second = themes_of(app, cid)[:2]
    assert first.label in explorer and second.label in explorer
    assert "Aucune correction pour l'instant" in explorer

    page = f"/facilitate/consultations/{cid}/themes/{first.id}"
    assert first.label in read(browser.client.get(page))
    browser.form_post(page, {"label": "Temps des bénévoles"},
                      post_url=f"{page}/rename")
    browser.form_post(page, {"other": str(second.id)}, post_url=f"{page}/merge")
    themes = themes_of(app, cid)
    merged = next(t for t in themes if t.id == first.id)
    assert merged.label == "Temps des bénévoles"
    assert merged.size == first.size + second.size
    assert second.id not in {t.id for t in themes}
    assert second.id in merged.merged_from

    with app.app_context():
        kinds = [e.event_type for e in get_session().exec(select(AuditEvent))]
        edits = get_session().exec(select(ThemeEdit).order_by(ThemeEdit.id)).all()
    assert kinds.count("ThemeEdited") == 2
    explorer = read(browser.client.get(f"/facilitate/consultations/{cid}/themes"))
    assert "Temps des bénévoles" in explorer and "2 corrections appliquées" in explorer

    token = csrf_from(explorer)
    browser.client.post(f"/facilitate/consultations/{cid}/themes/edits/{edits[1].id}/undo",
                        data={"csrf_token": token})
    themes = themes_of(app, cid)
    assert second.id in {t.id for t in themes}  # the merge is undone, the rename stays
    assert next(t for t in themes if t.id == first.id).label == "Temps des bénévoles"
    with app.app_context():
        assert "ThemeEditUndone" in [e.event_type for e in get_session().exec(select(AuditEvent))]


def test_corrections_survive_a_re_run_and_a_fresh_analysis_starts_clean(app, demo):
    cid, email, _password = demo
    with app.app_context():
        db = get_session()
        admin = find_by_email(db, email)
        run = workspace.done_run(db, cid)
        themes = read_analysis(db, run).themes
        target, other = themes[0], themes[-1]
        workspace.edit_theme(db, admin, cid, "rename", target.id, label="Nom choisi")
        workspace.edit_theme(db, admin, cid, "summary", target.id, text="Ce qu'ils disent.")
        workspace.edit_theme(db, admin, cid, "review", target.id, reviewed=True)
        moved = other.typical[0].contribution_id
        workspace.edit_theme(db, admin, cid, "move", target.id, contribution=moved)

        again = analyse_now(db, admin, cid, mode="fast")  # same seed: re-run from the last
        assert again.previous_run_id == run.id
        card = next(t for t in read_analysis(db, again).themes if t.id == target.id)
        assert (card.label, card.summary, card.reviewed) == ("Nom choisi", "Ce qu'ils disent.",
                                                             True)
        assert workspace.edited_themes(db, again).theme_of[moved] == target.id

        fresh = analyse_now(db, admin, cid, mode="fast", seed=7)  # another seed: afresh
        assert fresh.previous_run_id is None
        assert "Nom choisi" not in [t.label for t in read_analysis(db, fresh).themes]


def test_corrections_are_checked_and_refused_to_members(app, demo, people):
    cid, email, _password = demo
    with app.app_context():
        db = get_session()
        admin = find_by_email(db, email)
        theme = read_analysis(db, workspace.done_run(db, cid)).themes[0]
        with pytest.raises(ServiceError):
            workspace.edit_theme(db, admin, cid, "rename", theme.id, label="  ")
        with pytest.raises(ServiceError):
            workspace.edit_theme(db, admin, cid, "merge", theme.id, other=theme.id)
        with pytest.raises(NotFound):
            workspace.edit_theme(db, admin, cid, "rename", 999, label="x")
        with pytest.raises(ServiceError):
            workspace.edit_theme(db, admin, cid, "move", theme.id, contribution=10 ** 9)
        member = people.add("simple@coop.example", roles=("member",))
        with pytest.raises(PermissionDenied):
            workspace.edit_theme(db, member, cid, "rename", theme.id, label="x")


def test_a_theme_page_filters_its_verbatims_by_college_and_stance(app, demo):
    cid, email, password = demo
    browser = signed_in(app, email, password)
    theme = max(themes_of(app, cid), key=lambda t: t.size)
    with app.app_context():
        db = get_session()
        members = workspace.edited_themes(db, workspace.done_run(db, cid)).get(theme.id).members
        rows = [(c.college_id, c.stance) for c in
                (db.get(Contribution, m) for m in members)]
        names = {c.id: c.name for c in db.exec(select(College))}
    college = theme.typical[0].college
    expected = sum(1 for college_id, _ in rows if names.get(college_id) == college)
    against = sum(1 for college_id, stance in rows
                  if names.get(college_id) == college and stance == "against")
    page = f"/facilitate/consultations/{cid}/themes/{theme.id}"
    assert f"{theme.size} verbatims correspondent" in read(browser.client.get(page))
    some = read(browser.client.get(page, query_string={"college": college}))
    assert f"{expected} verbatim" in some and 0 < expected < theme.size
    both = read(browser.client.get(page, query_string={"college": college, "stance": "against"}))
    assert f"{against} verbatim" in both and both.count("<q>") - both.split(
        "Tous ses verbatims")[0].count("<q>") == against


def test_a_split_makes_a_new_theme_from_a_re_clustering(app, demo):
    cid, email, _password = demo
    with app.app_context():
        db = get_session()
        admin = find_by_email(db, email)
        run = workspace.done_run(db, cid)
        theme = max(read_analysis(db, run).themes, key=lambda t: t.size)
        edit = workspace.split_theme(db, admin, cid, theme.id)
        themes = {t.id: t for t in read_analysis(db, run).themes}
        part = themes[workspace.SPLIT_BASE + edit.id]
        assert part.split_from == theme.id and part.label
        assert part.size + themes[theme.id].size == theme.size
        assert json.loads(edit.payload)["contributions"]


def test_the_explorer_charts_are_valid_svg_with_a_text_alternative_and_a_table(app, demo):
    import re
    import xml.etree.ElementTree as ET

    cid, email, password = demo
    page = read(signed_in(app, email, password).client.get(
        f"/facilitate/consultations/{cid}/themes"))
    figures = re.findall(r"<figure class=\"chart\">(.*?)</figure>", page, re.S)
    assert len(figures) >= 2  # the map and the positions by college of at least one theme
    svg_ns = "{http://www.w3.org/2000/svg}"
    for figure in figures:
        svg = ET.fromstring(re.search(r"<svg.*?</svg>", figure, re.S).group(0))
        title, desc = svg.find(f"{svg_ns}title"), svg.find(f"{svg_ns}desc")
        assert title is not None and title.text and desc is not None and len(desc.text) > 20
        assert svg.get("role") == "img"
        assert set(svg.get("aria-labelledby").split()) == {title.get("id"), desc.get("id")}
    assert "Les thèmes de la carte" in page  # the map's data table
    assert page.count("<caption>Positions par collège : ") >= 1


def test_verdicts_after_corrections_reuse_the_opinion_groups_and_match_a_fresh_reading(app, demo):
    """The opinion groups read the votes only: a second correction reuses those of the first,
    and finds the verdicts a fresh reading finds."""
    cid, email, _password = demo
    with app.app_context():
        db = get_session()
        admin = find_by_email(db, email)
        run = workspace.done_run(db, cid)
        themes = read_analysis(db, run).themes
        workspace.edit_theme(db, admin, cid, "merge", themes[0].id, other=themes[1].id)
        workspace.verdicts_of(db, run, workspace.edited_themes(db, run))
        assert len(workspace._opinion_cache) == 1
        moved = themes[2].typical[0].contribution_id
        workspace.edit_theme(db, admin, cid, "move", themes[0].id, contribution=moved)
        edited = workspace.edited_themes(db, run)
        reused = workspace.verdicts_of(db, run, edited)
        workspace._verdict_cache.clear()
        workspace._opinion_cache.clear()
        assert workspace.verdicts_of(db, run, edited) == reused
        assert reused["verdicts"][str(themes[0].id)] != {}
