"""The participation dashboard: figures by college against a recount, what counts (not a
withdrawn contribution, a changed vote once), the sentences a facilitator reads, who sees it,
and its charts (well-formed SVG with a text alternative, a table beside each)."""

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from consult.db import get_session
from consult.demo import load_demo
from consult.models import College, Consultation, Contribution, Member, Vote, utcnow
from consult.services.participation import participation_of
from tests.helpers import Browser, as_person, contribute, contributions, read

SVG = "{http://www.w3.org/2000/svg}"


def open_consultation(app, college_ids) -> tuple[int, Browser]:
    facilitator = as_person(app, "anim@coop.example")
    response = facilitator.form_post("/facilitate/consultations/new", {
        "title": "IA et accueil", "question": "Faut-il un assistant pour l'accueil ?",
        "description": "", "anonymity": "pseudonymous", "stance_scale": "three",
        "colleges": [str(c) for c in college_ids]})
    assert response.status_code == 302, read(response)
    cid = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {}, post_url=f"{page}/status/open")
    return cid, facilitator


def vote(browser, cid, contribution_id, value):
    return browser.form_post(f"/consultations/{cid}/vote", {"value": str(value)},
                             post_url=f"/consultations/contributions/{contribution_id}/vote")


def last_id(app) -> int:
    return contributions(app)[-1].id


@pytest.fixture
def small(app, people):
    """Salariés: 4 members, Bénéficiaires: 6. Salariés write 4 contributions that count (Ana
    withdraws a third one), Bénéficiaires 1; votes: Bé2 changes hers, Ana votes once, Bé3's vote
    is on the withdrawn contribution."""
    staff = people.college("Salariés", 50)
    beneficiaries = people.college("Bénéficiaires", 50)
    people.add("anim@coop.example", roles=("facilitator",), college_id=staff.id)
    for name in ("ana", "bo", "cy"):
        people.add(f"{name}@coop.example", college_id=staff.id)
    for n in range(1, 7):
        people.add(f"be{n}@coop.example", college_id=beneficiaries.id)
    cid, facilitator = open_consultation(app, [staff.id, beneficiaries.id])
    ana, bo, be = (as_person(app, f"{who}@coop.example") for who in ("ana", "bo", "be1"))
    for text in ("Un assistant oui, mais relu.", "Former l'équipe d'abord.", "À retirer."):
        assert contribute(ana, cid, text).status_code == 302
    withdrawn = last_id(app)
    contribute(bo, cid, "Pas sans l'avis des bénévoles.")
    of_bo = last_id(app)
    contribute(facilitator, cid, "Essayons trois mois.")
    contribute(be, cid, "Personne ne nous a demandé.", stance="against")
    of_be = last_id(app)
    be2, be3 = as_person(app, "be2@coop.example"), as_person(app, "be3@coop.example")
    for browser in (be2, be3):
        browser.form_post(f"/consultations/{cid}", {"accept": "y"},
                          post_url=f"/consultations/{cid}/consent")
    vote(be2, cid, of_bo, 1)
    vote(be2, cid, of_bo, -1)  # changed: counts once
    vote(be3, cid, withdrawn, 1)
    vote(ana, cid, of_be, 1)
    ana.form_post(f"/consultations/{cid}", {}, post_url=(
        f"/consultations/contributions/{withdrawn}/withdraw"))
    facilitator.form_post(f"/facilitate/consultations/{cid}", {"reason": "Hors sujet."},
                          post_url=f"/facilitate/contributions/{of_bo}/hide")
    return cid, facilitator, {"staff": staff.id, "beneficiaries": beneficiaries.id}


def test_the_figures_are_those_counted_by_hand(app, small):
    cid, _facilitator, ids = small
    with app.app_context():
        db = get_session()
        assert db.get(Contribution, contributions(app)[3].id).hidden  # hidden, still counted
        p = participation_of(db, cid)
    staff, beneficiaries = p.colleges
    assert (staff.college, beneficiaries.college) == ("Salariés", "Bénéficiaires")
    assert (staff.members, staff.participants, staff.contributions, staff.votes) == (4, 3, 4, 1)
    assert (beneficiaries.members, beneficiaries.participants, beneficiaries.contributions,
            beneficiaries.votes) == (6, 2, 1, 1)  # Bé3's vote went with the withdrawal
    assert staff.rate == pytest.approx(3 / 4) and beneficiaries.rate == pytest.approx(2 / 6)
    assert (p.members, p.participants, p.contributions, p.votes) == (10, 5, 5, 2)
    assert staff.contribution_share == pytest.approx(0.8)
    assert beneficiaries.membership_share == pytest.approx(0.6)
    assert p.gap == pytest.approx(0.4)
    assert p.under_represented == ("Bénéficiaires",) and not staff.under_represented
    assert p.is_open and p.days[-1].day == utcnow().date()
    assert sum(d.contributions for d in p.days) == 5 and sum(d.votes for d in p.days) == 2
    today = p.days[-1]
    assert [(c.college, c.contributions, c.votes) for c in today.colleges] == [
        ("Salariés", 4, 1), ("Bénéficiaires", 1, 1)]


def test_each_day_is_the_cooperative_s_own_even_a_quarter_of_an_hour_off_the_hour(app, small):
    """Kathmandu is 5 h 45 ahead of UTC: a contribution at 18:14:59 UTC is of its 1 March, one at
    18:15:00 of its 2 March; in UTC both are of 1 March (the rows are counted by quarter of an
    hour in the database, and each quarter given its local day)."""
    cid, _facilitator, _ids = small
    late = datetime(2026, 3, 1, 18, 14, 59, 999000, tzinfo=UTC)
    midnight = datetime(2026, 3, 1, 18, 15, tzinfo=UTC)
    with app.app_context():
        db = get_session()
        rows = db.exec(select(Contribution).where(Contribution.consultation_id == cid,
                                                  ~Contribution.withdrawn)
                       .order_by(Contribution.id)).all()
        for n, row in enumerate(rows):
            row.created_at = late if n % 2 else midnight
            db.add(row)
        for row in db.exec(select(Vote).join(Contribution).where(
                Contribution.consultation_id == cid)):
            row.created_at = late
            db.add(row)
        db.commit()
        kathmandu = participation_of(db, cid, zone=ZoneInfo("Asia/Kathmandu"))
        in_utc = participation_of(db, cid, zone=UTC)

    def active(p):
        return {d.day: (d.contributions, d.votes) for d in p.days if d.contributions or d.votes}

    assert active(kathmandu) == {date(2026, 3, 1): (2, 2), date(2026, 3, 2): (3, 0)}
    assert active(in_utc) == {date(2026, 3, 1): (5, 2)}


def test_a_withdrawn_contribution_and_an_earlier_vote_are_not_counted(app, small):
    cid = small[0]
    with app.app_context():
        db = get_session()
        stored = db.exec(select(Contribution).where(Contribution.consultation_id == cid)).all()
        all_votes = db.exec(select(Vote)).all()
        p = participation_of(db, cid)
    assert len(stored) == 6 and sum(c.withdrawn for c in stored) == 1
    assert len(all_votes) == 4  # Bé2's first vote is kept in history, not counted
    assert p.contributions == 5 and p.votes == 2


def test_a_college_not_invited_is_never_said_to_be_under_represented(app, people, small):
    people.college("Partenaires", 0)
    with app.app_context():
        p = participation_of(get_session(), small[0])
    assert [c.college for c in p.colleges] == ["Salariés", "Bénéficiaires"]


def test_the_page_says_which_college_is_not_heard_while_there_is_time(app, small):
    cid, facilitator, _ids = small
    response = facilitator.client.get(f"/facilitate/consultations/{cid}/participation")
    assert response.status_code == 200
    text = " ".join(read(response).split())
    assert ("Les contributions s'écartent de 40 points de la composition du sociétariat ; le "
            "collège Bénéficiaires est sous-représenté : 20 % des contributions pour 60 % des "
            "membres.") in text
    assert "Il est encore temps d'entendre le collège Bénéficiaires" in text
    assert "Participation et représentativité par collège" in text
    assert "Contributions et votes par jour" in text


def test_a_member_may_not_see_the_dashboard(app, small):
    cid = small[0]
    member = as_person(app, "ana@coop.example")
    assert member.client.get(f"/facilitate/consultations/{cid}/participation").status_code == 403


def chart_figures(html: str) -> list[tuple[ET.Element, str]]:
    """Each chart's SVG, parsed, with the HTML that follows its figure."""
    found = []
    for match in re.finditer(r'<figure class="chart">\s*(<svg.*?</svg>).*?</figure>', html, re.S):
        found.append((ET.fromstring(match.group(1)), html[match.end():match.end() + 400]))
    return found


def test_the_charts_are_well_formed_svg_with_a_text_alternative_and_a_table(app, small):
    cid, facilitator, _ids = small
    html = facilitator.client.get(f"/facilitate/consultations/{cid}/participation").get_data(
        as_text=True)
    figures = chart_figures(html)
    assert len(figures) == 5  # composition, rates, the days, contributions and votes by college
    for svg, after in figures:
        title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
        assert svg.get("role") == "img" and title.text and len(desc.text) > 30
        assert svg.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
        assert re.match(r'\s*<div class="table-scroll chart-data"[^>]*>\s*<table', after)
        assert "<caption>" in after and 'scope="col"' in after
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert ' style="' not in html  # the CSP refuses style attributes
    rates = next(svg for svg, _after in figures if svg.find(f"{SVG}title").text.startswith(
        "Taux"))
    assert "Bénéficiaires : 33 % (2 sur 6)" in rates.find(f"{SVG}desc").text
    votes = next(svg for svg, _after in figures if svg.find(f"{SVG}title").text.startswith(
        "Votes par collège"))
    assert "Votes en tout" in votes.find(f"{SVG}desc").text


def test_a_college_name_holding_markup_is_shown_as_text(app, people):
    odd = people.college("<script>alert('x')</script> & Cie", 50)
    people.add("anim@coop.example", roles=("facilitator",), college_id=odd.id)
    people.add("zoe@coop.example", college_id=odd.id)
    cid, facilitator = open_consultation(app, [odd.id])
    contribute(as_person(app, "zoe@coop.example"), cid, "Une idée.")
    html = facilitator.client.get(f"/facilitate/consultations/{cid}/participation").get_data(
        as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    for svg, _after in chart_figures(html):
        assert svg.find(f"{SVG}title") is not None  # still well-formed XML


# --- On the demo's consultation: an independent recount over more data ----------------------


@pytest.fixture
def demo(app):
    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        first = db.exec(select(Consultation).order_by(Consultation.id)).first()
        member = next(email for email, role in loaded.accounts if role == "member")
        return first.id, loaded.admin_email, loaded.password, member


def test_the_demo_s_figures_match_a_recount(app, demo):
    cid = demo[0]
    with app.app_context():
        db = get_session()
        result = participation_of(db, cid)
        names = {c.id: c.name for c in db.exec(select(College))}
        people, counted, votes = defaultdict(set), defaultdict(int), defaultdict(int)
        counting = {}
        for c in db.exec(select(Contribution).where(Contribution.consultation_id == cid)):
            counting[c.id] = not c.withdrawn
            if not c.withdrawn:
                people[c.college_id].add(c.participant_ref)
                counted[c.college_id] += 1
        for v in db.exec(select(Vote).where(Vote.latest)):
            if counting.get(v.contribution_id):
                people[v.college_id].add(v.participant_ref)
                votes[v.college_id] += 1
        members = defaultdict(int)
        for m in db.exec(select(Member).where(Member.active)):
            members[m.college_id] += 1
    total = sum(counted.values())
    assert result.contributions == total and result.votes == sum(votes.values())
    for row in result.colleges:
        college_id = next((k for k, n in names.items() if n == row.college), None)
        assert row.participants == len(people[college_id])
        assert (row.contributions, row.votes) == (counted[college_id], votes[college_id])
        assert row.members == (members[college_id] if college_id is not None else 0)
        assert row.contribution_share == pytest.approx(counted[college_id] / total)
    assert sum(r.membership_share for r in result.colleges) == pytest.approx(1)
    shares = [(r.contribution_share, r.membership_share) for r in result.colleges]
    assert result.gap == pytest.approx(sum(abs(a - b) for a, b in shares) / 2)
    assert sum(d.contributions for d in result.days) == total


def test_the_demo_dashboard_is_for_the_facilitation_team(app, demo):
    cid, admin, password, member = demo
    page = f"/facilitate/consultations/{cid}/participation"
    facilitator = Browser(app.test_client())
    facilitator.login(admin, password)
    assert "Participation et représentativité par collège" in read(facilitator.client.get(page))
    someone = Browser(app.test_client())
    someone.login(member, password)
    assert someone.client.get(page).status_code == 403
