"""Imports (CSV/XLSX, Polis, Decidim) and exports (CSV, JSON, Polis), from the web and the CLI."""

import csv
import json
import re
from datetime import datetime

import pytest
from sqlmodel import func, select

from consult.cli import cli
from consult.db import get_session
from consult.formats.polis import latest_votes, read_polis_export
from consult.models import AuditEvent, Consultation, Contribution, Vote
from consult.services import PermissionDenied, exports, imports
from tests.helpers import as_person, contribute, create, read, shared_data

POLIS = ("brexit-consensus", "15-per-hour-seattle")


def count(app, model, *where):
    with app.app_context():
        return get_session().exec(select(func.count()).select_from(model).where(*where)).one()


def csv_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def run(app, *args):
    result = app.test_cli_runner().invoke(cli, list(map(str, args)))
    return result


@pytest.mark.slow
@pytest.mark.parametrize("name", POLIS)
def test_polis_conversation_imports_with_every_comment_vote_and_participant(app, name):
    folder = shared_data("polis", "opendata", name)
    comments, votes = csv_rows(folder / "comments.csv"), csv_rows(folder / "votes.csv")
    participants = {r["voter-id"] for r in votes} | {r["author-id"] for r in comments}
    dry = run(app, "consultation", "import", folder, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert count(app, Contribution) == 0
    result = run(app, "consultation", "import", folder)
    assert result.exit_code == 0, result.output
    assert count(app, Contribution) == len(comments)
    assert count(app, Vote) == len(votes)
    rejected = sum(1 for r in comments if r["moderated"] == "-1")
    assert count(app, Contribution, Contribution.hidden) == rejected
    with app.app_context():
        db = get_session()
        refs = set(db.exec(select(Vote.participant_ref))) | set(
            db.exec(select(Contribution.participant_ref))
        )
        assert len(refs) == len(participants)
        [event] = db.exec(
            select(AuditEvent).where(AuditEvent.event_type == "ConsultationImported")
        ).all()
        assert json.loads(event.canonical)["data"]["votes"] == len(votes)
        consultation = db.exec(select(Consultation)).one()
        assert consultation.source == "polis" and consultation.status == "draft"


@pytest.mark.slow
def test_polis_latest_votes_match_polis_participant_matrix(app):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    run(app, "consultation", "import", folder)
    with app.app_context():
        db = get_session()
        ids = {c.id: c.external_id for c in db.exec(select(Contribution))}
        latest = {
            (v.participant_ref, ids[v.contribution_id]): v.value
            for v in db.exec(select(Vote).where(Vote.latest))
        }
    matrix = {}
    for row in csv_rows(folder / "participants-votes.csv"):
        for key, value in row.items():
            if key.isdigit() and value != "":
                matrix[(f"polis:{row['participant']}", key)] = int(value)
    assert latest == matrix


@pytest.mark.slow
def test_polis_round_trip_gives_the_same_contributions_and_votes(app, tmp_path):
    folder = shared_data("polis", "opendata", "brexit-consensus")
    run(app, "consultation", "import", folder, "--title", "Brexit")
    with app.app_context():
        first = get_session().exec(select(Consultation)).one().id
    out = tmp_path / "polis-out"
    result = run(
        app, "consultation", "export", first, "--format", "polis", "--out", out, "--original"
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "comments.csv",
        "votes.csv",
        "participants-votes.csv",
    }
    run(app, "consultation", "import", out, "--title", "Brexit again")
    with app.app_context():
        db = get_session()
        second = db.exec(select(Consultation).where(Consultation.id != first)).one().id

        def snapshot(cid):
            contributions = db.exec(
                select(Contribution)
                .where(Contribution.consultation_id == cid)
                .order_by(Contribution.created_at, Contribution.id)
            ).all()
            texts = [(c.text, c.hidden) for c in contributions]
            position = {c.id: i for i, c in enumerate(contributions)}
            authors = {}
            votes = sorted(
                (
                    authors.setdefault(v.participant_ref, len(authors)),
                    position[v.contribution_id],
                    v.value,
                    v.latest,
                )
                for v in db.exec(
                    select(Vote)
                    .where(Vote.contribution_id.in_(list(position)))
                    .order_by(Vote.created_at, Vote.id)
                )
            )
            return texts, len(authors), votes

        a, b = snapshot(first), snapshot(second)
    assert a[0] == b[0] and a[1] == b[1]
    assert sorted(v[2:] for v in a[2]) == sorted(v[2:] for v in b[2])
    assert len(a[2]) == len(b[2])


CSV_FR = (
    "Texte;Position;Collège;Date;Auteur\n"
    '"L\'IA doit rester un outil";Pour;Salariés;12/03/2026;P1\n'
    "Pas de données de santé !;contre;Bénévoles;2026-03-13;P2\n"
    '"Sur deux\nlignes";mitigé;;;P1\n'
)


@pytest.fixture
def colleges(people):
    return people.college("Salariés", 50), people.college("Bénévoles", 50)


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_csv_import_in_each_encoding(app, colleges, tmp_path, encoding):
    path = tmp_path / "atelier.csv"
    path.write_bytes(CSV_FR.encode(encoding))
    result = run(app, "consultation", "import", path, "--title", "Atelier papier")
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = get_session().exec(select(Contribution).order_by(Contribution.id)).all()
    assert [(r.text, r.stance) for r in rows] == [
        ("L'IA doit rester un outil", "for"),
        ("Pas de données de santé !", "against"),
        ("Sur deux\nlignes", "mixed"),
    ]
    assert rows[0].participant_ref == rows[2].participant_ref != rows[1].participant_ref
    assert rows[0].college_id == colleges[0].id and rows[2].college_id is None


@pytest.mark.slow
def test_xlsx_import(app, colleges, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["verbatim", "stance", "college"])
    sheet.append(["Un texte venu d'Excel", "pour", "Salariés"])
    sheet.append(["Un autre", "", "bénévoles"])
    book.save(tmp_path / "retours.xlsx")
    result = run(app, "consultation", "import", tmp_path / "retours.xlsx", "--title", "Excel")
    assert result.exit_code == 0, result.output
    assert count(app, Contribution) == 2


def test_a_bad_row_imports_nothing_and_names_its_line(app, colleges, tmp_path):
    path = tmp_path / "erreurs.csv"
    path.write_text(
        "texte;position;collège\nBon texte;pour;Salariés\n   ;pour;Salariés\n"
        "Autre;peut-être;Salariés\nEncore;pour;Inconnus\n",
        encoding="utf-8",
    )
    result = run(app, "consultation", "import", path, "--title", "Avec erreurs")
    assert result.exit_code == 2
    assert "Ligne 3" in result.output and "Ligne 4" in result.output and "Ligne 5" in result.output
    assert count(app, Contribution) == 0 and count(app, Consultation) == 0


@pytest.mark.parametrize(
    "content,name",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "image.csv"),
        (b"", "vide.csv"),
        (b"texte\n", "entete.csv"),
    ],
)
def test_binary_empty_or_header_only_files_are_refused(app, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    result = run(app, "consultation", "import", path, "--title", "Refus")
    assert result.exit_code == 2
    assert count(app, Contribution) == 0


def test_row_cap_is_enforced(make_app, tmp_path):
    app = make_app(PALABRE_MAX_IMPORT_ROWS=3)
    path = tmp_path / "long.csv"
    path.write_text("texte\n" + "".join(f"ligne {i}\n" for i in range(5)), encoding="utf-8")
    result = run(app, "consultation", "import", path, "--title", "Trop long")
    assert result.exit_code == 2 and count(app, Contribution) == 0


@pytest.mark.slow
def test_decidim_comments_import_with_alignment_as_stance(app, tmp_path):
    path = tmp_path / "comments.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": 11,
                    "created_at": "2026-03-01T10:00:00+01:00",
                    "body": {"fr": "Je soutiens"},
                    "locale": "fr",
                    "author": {"id": 5, "name": "Léa"},
                    "alignment": 1,
                    "depth": 0,
                    "user_group": {},
                    "commentable_id": 3,
                    "commentable_type": "Decidim::Proposals::Proposal",
                    "root_commentable_url": "https://decidim.example/p/3",
                },
                {
                    "id": 12,
                    "created_at": "2026-03-02T10:00:00+01:00",
                    "body": {"fr": "Je m'oppose"},
                    "locale": "fr",
                    "author": {"id": 6, "name": "Tom"},
                    "alignment": -1,
                    "depth": 0,
                    "user_group": {},
                    "commentable_id": 3,
                    "commentable_type": "Decidim::Proposals::Proposal",
                    "root_commentable_url": "https://decidim.example/p/3",
                },
            ]
        ),
        encoding="utf-8",
    )
    result = run(app, "consultation", "import", path, "--title", "Decidim")
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = get_session().exec(select(Contribution).order_by(Contribution.id)).all()
    assert [(r.text, r.stance) for r in rows] == [
        ("Je soutiens", "for"),
        ("Je m'oppose", "against"),
    ]


@pytest.mark.slow
def test_csv_export_then_import_gives_the_same_contributions(app, colleges, tmp_path):
    source = tmp_path / "source.csv"
    source.write_text(CSV_FR.replace("P1", "P1 -").replace("Pas de", "=Pas de"), encoding="utf-8")
    run(app, "consultation", "import", source, "--title", "Source")
    with app.app_context():
        first = get_session().exec(select(Consultation)).one().id
    out = tmp_path / "export.csv"
    result = run(
        app, "consultation", "export", first, "--format", "csv", "--out", out, "--original"
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())  # Excel reads UTF-8 with a BOM
    assert "'=Pas de" in raw.decode("utf-8-sig")  # a formula is neutralised
    assert (tmp_path / "export-votes.csv").exists()
    result = run(app, "consultation", "import", out, "--title", "Copie")
    assert result.exit_code == 0, result.output
    with app.app_context():
        db = get_session()
        by_consultation = {}
        for c in db.exec(select(Contribution).order_by(Contribution.id)):
            by_consultation.setdefault(c.consultation_id, []).append(
                (c.text, c.stance, c.college_id)
            )
    first_rows, second_rows = by_consultation.values()
    assert first_rows == second_rows


@pytest.mark.slow
def test_exports_are_redacted_unless_original_is_asked(app, tmp_path):
    source = tmp_path / "perso.csv"
    source.write_text("texte\nAppelez-moi au 06 12 34 56 78 s'il vous plaît\n", encoding="utf-8")
    run(app, "consultation", "import", source, "--title", "Données perso")
    with app.app_context():
        cid = get_session().exec(select(Consultation)).one().id
        redacted = json.loads(exports.export_json(get_session(), None, cid))
        original = json.loads(exports.export_json(get_session(), None, cid, original=True))
        kinds = [
            json.loads(e.canonical)["data"]["redacted"]
            for e in get_session().exec(
                select(AuditEvent).where(AuditEvent.event_type == "ConsultationExported")
            )
        ]
    assert "06 12 34 56 78" not in redacted["contributions"][0]["text"]
    assert "[téléphone]" in redacted["contributions"][0]["text"]
    assert "06 12 34 56 78" in original["contributions"][0]["text"]
    assert kinds == [True, False]


def test_only_facilitators_import_and_export(app, people, tmp_path):
    member = people.add("ana@coop.example")
    with app.app_context():
        db = get_session()
        with pytest.raises(PermissionDenied):
            imports.import_table(
                db, member, imports.Target(title="X"), b"texte\nbonjour\n", "x.csv", key="k",
                dry_run=False,
            )
        with pytest.raises(PermissionDenied):
            exports.export_json(db, member, 1)


@pytest.mark.slow
def test_an_anonymous_consultations_exports_link_nothing_beyond_themselves(app, people, tmp_path):

    staff = people.college("Salariés", 50)
    partners = people.college("Partenaires", 50)
    people.add("anim@coop.example", roles=("facilitator",), college_id=staff.id)
    members = [f"s{n}@coop.example" for n in range(5)] + ["p0@coop.example", "p1@coop.example"]
    for email in members:
        people.add(email, college_id=(staff if email.startswith("s") else partners).id)
    cid, facilitator = create(app, {"staff": staff}, anonymity="anonymous", open_it=False)
    page = f"/facilitate/consultations/{cid}/edit"
    facilitator.form_post(page, {"title": "Anonyme", "question": "Q ?", "description": "",
                                 "anonymity": "anonymous", "stance_scale": "three",
                                 "colleges": [str(staff.id), str(partners.id)]})
    facilitator.form_post(f"/facilitate/consultations/{cid}", {},
                          post_url=f"/facilitate/consultations/{cid}/status/open")
    browsers = {email: as_person(app, email) for email in members}
    notice = read(browsers["s0@coop.example"].client.get(f"/consultations/{cid}"))
    assert "autres collèges" in notice and "au jour près" in notice
    for email, browser in browsers.items():
        contribute(browser, cid, f"L'avis de {email.split('@')[0]} sur la question posée.")
    with app.app_context():
        first = get_session().exec(select(Contribution).order_by(Contribution.id)).first()
    for email in members[1:]:
        browsers[email].form_post(f"/consultations/{cid}/vote", {"value": "1"},
                                  post_url=f"/consultations/contributions/{first.id}/vote")

    def export() -> dict:
        with app.app_context():
            return json.loads(exports.export_json(get_session(), None, cid))

    document = export()
    rows, votes = document["contributions"], document["votes"]
    assert len(rows) == 7 and len(votes) == 6
    assert all(re.fullmatch(r"anonyme-\d+", r["participant"]) for r in rows + votes)
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["created_at"]) for r in rows + votes)
    assert {r["college"] for r in rows} == {"Salariés", "autres collèges"}  # 2 partners < 5
    by_text = {r["text"]: r["participant"] for r in rows}
    # A voter's id is their contribution's id within the export…
    assert by_text["L'avis de s1 sur la question posée."] in {v["participant"] for v in votes}
    # …and another export draws other ids.
    assert any({r["text"]: r["participant"] for r in export()["contributions"]} != by_text
               for _ in range(5))
    with app.app_context():
        csv_contributions, _csv_votes = exports.export_csv(get_session(), None, cid)
    assert b"anonyme-" in csv_contributions and b"Partenaires" not in csv_contributions
    with app.app_context():
        exports.export_polis(get_session(), None, cid, tmp_path / "polis")
    polis = read_polis_export(tmp_path / "polis")
    assert len(latest_votes(polis.votes)) == 6
    assert {v.created_at.time() for v in polis.votes} == {datetime.min.time()}
