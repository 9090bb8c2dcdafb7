"""Stored XSS and template injection: a payload written in every free-text field comes back as
text on every page, in the PDFs, the exports and the JSON API; never as markup, never evaluated.

Each field gets the same payload followed by its own marker (`xss:<field>`), so the test knows
which fields it saw and where. To check a new field, write the payload into it in `xss_world`
and add its name to FIELDS: the test fails until a page shows it.
"""

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from tests.helpers import TEST_PASSWORD, Browser, as_person, contribute, csrf_from, read
from tests.integration.test_access import concrete

ROLES = ("member", "facilitator", "ethics", "board", "admin")

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>T{{7*7}}T'
EVALUATED = "T49T"  # what the template injection would print if a template ran it
# Markup the payload would become if a page let it through unescaped.
UNESCAPED = re.compile(r"<script>alert|<img[^>]*onerror|href=[\"']?\s*javascript:", re.I)

# Every free-text field a person writes, by who writes it.
FIELDS = (
    # administration
    "cooperative.name", "cooperative.purpose", "college.name", "college.description",
    "member.display_name",
    # facilitation
    "consultation.title", "consultation.question", "consultation.description",
    "moderation.reason",
    # members
    "contribution.text", "proposal.title", "proposal.need",
    "proposal.benefits", "proposal.affected", "proposal.data_used", "proposal.risks",
    "proposal.environmental_cost", "proposal.alternatives", "proposal.comment",
    # ethics committee: every text field of a register entry, then its review and bias test
    *(f"entry.{name}" for name in (
        "name", "description", "model_version", "supplier", "licence", "intended_use",
        "output_users", "people_affected", "uses_to_avoid", "legal_basis", "alternatives",
        "ai_act_reason", "risks", "impact_assessment", "datasets", "protected_attributes",
        "output_checks", "contest", "switch_off", "performance", "footprint_method", "owner",
        "contacts")),
    "entry.status_reason", "review.notes", "review.conditions", "review.dissent",
    "bias_test.file_name", "bias_test.group", "waiver.reason", "thresholds.reason",
    # board
    "motion.title", "motion.text", "motion.statement", "ballot.reason", "charter.summary",
    "charter.title", "charter.text", "charter.rationale",
)
# Written, and kept, but shown on no page today: when one is, move it to FIELDS.
NOT_SHOWN = ("report.reason", "motion.cancel_reason", "charter.withdraw_reason")
# Fields shown only in a step that is not a page of the URL map (checked on their own).
IMPORT_FIELDS = ("import.text", "import.column")


SHORT = "<script>alert(1)</script>T{{7*7}}T"  # for a field of 60 characters or so


def written(field: str, max_length: int = 1000) -> str:
    text = f"{PAYLOAD} xss:{field}"
    return text if len(text) <= max_length else f"{SHORT} xss:{field}"


@pytest.fixture
def xss_world(app, people):
    """The objects of test_access.py's `world`, every text in them a payload."""
    from consult.db import get_session
    from consult.services import (
        ballots,
        bias_tests,
        board,
        charter,
        cooperative,
        moderation,
        proposals,
        register,
        reviews,
    )
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email
    from ethics_register import entry, review
    from ethics_register.bias import Thresholds
    from tests.integration.test_bias_tests import upload
    from tests.integration.test_cli_register import rows
    from tests.unit.test_entry import complete

    with app.app_context():
        db = get_session()
        cooperative.update_cooperative(db, None, name=written("cooperative.name"),
                                       purpose=written("cooperative.purpose"))
        college = cooperative.create_college(db, None, name=written("college.name"),
                                             description=written("college.description"),
                                             vote_weight=100)
    for role in ROLES:
        people.add(f"{role}@coop.example", name=f"{role} " + written("member.display_name"),
                   roles=(role,), college_id=college.id)
    people.add("anim@coop.example", roles=("facilitator",), college_id=college.id)
    facilitator = as_person(app, "anim@coop.example")
    response = facilitator.form_post("/facilitate/consultations/new", {
        "title": written("consultation.title"), "question": written("consultation.question"),
        "description": written("consultation.description"), "anonymity": "named",
        "stance_scale": "three", "colleges": [str(college.id)]})
    assert response.status_code == 302, read(response)
    cid = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = f"/facilitate/consultations/{cid}"
    facilitator.form_post(page, {}, post_url=f"{page}/status/open")
    member = as_person(app, "member@coop.example")
    assert contribute(member, cid, written("contribution.text")).status_code == 302
    assert contribute(member, cid, "Une autre contribution").status_code == 302

    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        board_member = find_by_email(db, "board@coop.example")
        moderation.report(db, 2, board_member, key=app.config["PALABRE_PSEUDONYM_KEY"],
                          reason=written("report.reason"))
        moderation.hide(db, find_by_email(db, "anim@coop.example"), 2,
                        written("moderation.reason"))
        proposal = proposals.submit(db, board_member, proposals.ProposalInput(**{
            name: written(f"proposal.{name}") for name in (
                "title", "need", "benefits", "affected", "data_used", "risks",
                "environmental_cost", "alternatives")}))
        proposals.comment(db, find_by_email(db, "member@coop.example"), proposal.id,
                          written("proposal.comment"))

        ethics = find_by_email(db, "ethics@coop.example")
        texts = {name: written(f"entry.{name}", spec.max_length)
                 for name, spec in entry.FIELDS.items()
                 if spec.kind in ("text", "long")}
        assert {f"entry.{name}" for name in texts} <= set(FIELDS), "a new entry field"
        row = register.create_entry(db, ethics, complete(**texts), signer)
        names = [name for name, _ in review.REQUIREMENTS]
        record = reviews.record_review(db, ethics, row.id, reviews.ReviewInput(
            answers=dict.fromkeys(names, "met"), notes=dict.fromkeys(
                names, written("review.notes")), opinion="favourable",
            conditions=written("review.conditions"), dissent=written("review.dissent")),
            signer)
        register.change_status(db, ethics, row.id, "in_review", written("entry.status_reason"),
                               signer)
        group = written("bias_test.group")
        data = [[group if cell == "usagers" else cell for cell in r] for r in rows()]
        test = bias_tests.record_upload(db, ethics, row.id, upload(
            data, file_name=written("bias_test.file_name") + ".csv"), signer)

        version = charter.seed_charter(db, signer)
        slots = [p.to_json() for p in charter.principles_of(version)]
        slots.append({"title": written("charter.title"), "text": written("charter.text"),
                      "rationale": written("charter.rationale")})
        draft = charter.draft_amendment(db, board_member, slots, written("charter.summary"),
                                        signer)
        from consult.models import utcnow

        motion = board.open_motion(db, board_member, board.MotionInput(
            title=written("motion.title"), text=written("motion.text"), body="assembly",
            method="one_member_one_vote", majority="simple",
            opens_at=utcnow() - timedelta(minutes=1), closes_at=utcnow() + timedelta(days=1)),
            signer, app.config)
        member = find_by_email(db, "member@coop.example")
        ballots.cast(db, member, motion.id, "contre", written("ballot.reason"), app.config)
        # Closed, with the board's statement: its minutes (page and PDF) carry the dissent.
        board.close_motion(db, board_member, motion.id, signer, app.config,
                           now=motion.closes_at + timedelta(seconds=1))
        board.write_outcome(db, board_member, motion.id, written("motion.statement"), signer)
        other = board.open_motion(db, board_member, board.MotionInput(
            title="Motion retirée", text="Texte.", body="board", method="one_member_one_vote",
            majority="simple", opens_at=utcnow() - timedelta(minutes=1),
            closes_at=utcnow() + timedelta(days=1)), signer, app.config)
        board.cancel_motion(db, board_member, other.id, written("motion.cancel_reason"), signer)
        # Withdrawn, the draft stays readable by the board, with its reason.
        charter.withdraw_draft(db, board_member, draft.id, written("charter.withdraw_reason"),
                               signer)
        failing = next(k for k, v in json.loads(test.result)["verdicts"].items() if v == "fail")
        bias_tests.waive(db, ethics, test.id, failing, written("waiver.reason"), signer)
        bias_tests.approve_thresholds(db, ethics, row.id, Thresholds(0.4, 2.5, 0.3), 30,
                                      written("thresholds.reason"), signer)
        member_id = member.id
        return {"consultation_id": cid, "contribution_id": 1, "proposal_id": proposal.id,
                "entry_id": row.id, "review_id": record.id, "test_id": test.id,
                "version_id": draft.id, "motion_id": motion.id, "member_id": member_id,
                "for_member": member_id, "college_id": college.id, "notification_id": 1,
                "index": 0, "theme_id": 1, "edit_id": 1, "run_id": 1}


def get_routes(app) -> list[str]:
    return sorted({r.rule for r in app.url_map.iter_rules() if "GET" in r.methods
                   and not r.rule.startswith(("/static", "/api/v1", "/logout"))})


def pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() or "" for page in
                             PdfReader(io.BytesIO(body)).pages).split())


def seen_fields(text: str) -> set[str]:
    return set(re.findall(r"xss:([a-z_]+\.[a-z_]+)", text))


def check_html(path: str, body: str) -> set[str]:
    assert not UNESCAPED.search(body), (path, UNESCAPED.search(body).group(0))
    shown = read_text(body)
    assert EVALUATED not in shown, path
    return seen_fields(shown)


def read_text(body: str) -> str:
    import html

    return html.unescape(body)


def walk(app, emails, ids) -> dict[str, set[str]]:
    """Every page these people open with the objects of `ids`: each checked, and for each field
    the paths that showed it."""
    seen: dict[str, set[str]] = {}
    for email, password in emails:
        browser = Browser(app.test_client())
        assert browser.login(email, password).status_code == 302
        for rule in get_routes(app):
            path = concrete(rule, ids)
            response = browser.client.get(path)
            if response.status_code != 200:
                continue
            kind = response.mimetype
            if kind == "application/pdf":
                text = pdf_text(response.get_data())
                assert EVALUATED not in text, path
                fields = seen_fields(text)
                if fields:  # the payload is printed, as text, in full
                    assert "<script>alert(1)</script>" in text and "T{{7*7}}T" in text, path
            elif kind == "text/html":
                fields = check_html(path, response.get_data(as_text=True))
            else:
                fields = seen_fields(response.get_data(as_text=True))
            for field in fields:
                seen.setdefault(field, set()).add(path)
    return seen


def test_every_page_pdf_and_export_shows_the_payloads_as_text(app, xss_world):
    people = [(f"{role}@coop.example", TEST_PASSWORD) for role in ("admin", "member", "ethics")]
    seen = walk(app, people, xss_world)
    assert not set(NOT_SHOWN) & set(seen), "now shown: move it to FIELDS"
    missing = sorted(set(FIELDS) - set(seen))
    assert not missing, f"fields written but shown on no page: {missing}"
    pdfs = {path for paths in seen.values() for path in paths if path.endswith(".pdf")}
    assert {"/charte.pdf", f"/registre/{xss_world['entry_id']}/fiche.pdf",
            f"/conseil/motions/{xss_world['motion_id']}/pv.pdf"} <= pdfs, pdfs
    assert f"/conseil/motions/{xss_world['motion_id']}/pv.pdf" in seen["ballot.reason"]


@pytest.mark.slow  # the demo is analysed with spaCy
def test_theme_labels_and_summaries_are_text_in_the_workspace_synthesis_and_api(
        app, analysed_demo):
    from sqlmodel import select

    from consult.db import get_session
    from consult.models import ThemeEdit
    from consult.services import synthesis, workspace
    from consult.services.explorer import read_analysis
    from consult.services.members import find_by_email

    loaded, cid = analysed_demo, analysed_demo.consultation_id
    with app.app_context():
        db = get_session()
        facilitator = find_by_email(db, loaded.admin_email)
        run = workspace.done_run(db, cid)
        theme = read_analysis(db, run).themes[0]
        workspace.edit_theme(db, facilitator, cid, "rename", theme.id,
                             label=written("theme.label", 120))
        workspace.edit_theme(db, facilitator, cid, "summary", theme.id,
                             text=written("theme.summary"))
        edit_id = db.exec(select(ThemeEdit.id)).first()
        synthesis.publish(db, facilitator, cid)
    ids = {"consultation_id": cid, "theme_id": theme.id, "run_id": run.id, "edit_id": edit_id}
    seen = walk(app, [(loaded.admin_email, loaded.password)], ids)
    assert {"theme.label", "theme.summary"} <= set(seen), seen
    label_pages = seen["theme.label"]
    assert any(p.endswith(".pdf") for p in label_pages), label_pages
    assert any("/synthese" in p for p in label_pages), label_pages
    assert {"theme.label", "theme.summary"} <= api_seen(app, loaded.admin_email, ids)


def api_seen(app, email, ids) -> set[str]:
    """The fields every /api/v1 endpoint shows to this person's token, each answer checked."""
    from consult.db import get_session
    from consult.services.api_tokens import create_token

    with app.app_context():
        token = create_token(get_session(), None, email, "t")[1]
    client = app.test_client()
    seen = set()
    for rule in sorted(r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1")):
        response = client.get(concrete(rule, ids), headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            continue
        assert response.mimetype == "application/json", rule  # never read as a page
        assert response.headers.get("X-Content-Type-Options") == "nosniff", rule
        text = json.dumps(response.get_json(), ensure_ascii=False)
        assert EVALUATED not in text, rule
        seen |= seen_fields(text)
    return seen


def test_the_json_api_returns_the_payloads_as_plain_strings(app, xss_world):
    seen = api_seen(app, "admin@coop.example", xss_world)
    # The draft charter, the entry in review and the open motion are not public data yet.
    assert {"consultation.title", "consultation.question", "consultation.description"} <= seen


def test_the_consultation_exports_keep_the_payloads_as_text(app, xss_world):
    facilitator = as_person(app, "anim@coop.example")
    page = f"/facilitate/consultations/{xss_world['consultation_id']}/export"
    body = facilitator.form_post(page, {"format": "json"}).get_data(as_text=True)
    assert written("contribution.text") in json.loads(body)["contributions"][0]["text"]
    assert json.loads(body)["consultation"]["title"] == written("consultation.title")
    table = facilitator.form_post(page, {"format": "contributions.csv"}).get_data()
    rows = list(csv.reader(io.StringIO(table.decode("utf-8-sig")), delimiter=";"))
    assert any(written("contribution.text") in cell for row in rows for cell in row)


def test_an_imported_files_texts_and_columns_are_escaped_in_its_preview(app, xss_world):
    from werkzeug.datastructures import FileStorage

    from tests.security.test_uploads import post_multipart

    facilitator = as_person(app, "anim@coop.example")
    content = f"texte;{written('import.column')}\n{written('import.text')};x\n".encode()
    token = csrf_from(read(facilitator.client.get("/facilitate/import")))
    response = post_multipart(facilitator, "/facilitate/import", {
        "csrf_token": token, "title": "Atelier",
        "files": FileStorage(io.BytesIO(content), "atelier.csv")})
    assert response.status_code == 302
    preview = facilitator.client.get(response.headers["Location"])
    assert check_html("preview", preview.get_data(as_text=True)) >= set(IMPORT_FIELDS)


def test_a_javascript_link_is_refused_where_a_link_is_built_from_input(app, xss_world):
    from consult.db import get_session
    from consult.services import register
    from consult.services.audit_log import signer_for
    from consult.services.members import find_by_email
    from tests.unit.test_entry import complete

    with app.app_context():
        db = get_session()
        with pytest.raises(register.EntryInvalid):
            register.create_entry(db, find_by_email(db, "ethics@coop.example"),
                                  complete(code_url="javascript:alert(1)"), signer_for(app.config))
