"""The demo cooperative: a SCIC with five colleges and about forty invented members.

Every name here is invented. Loading goes through the services, so the demo
leaves the same audit trail as real use.
"""

import json
import os
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from . import audit, events
from .models import ConsentRecord, Member, MemberToken, utcnow
from .pseudonyms import participant_ref
from .rules import STANCE_DIRECTION, stance_from_word
from .security import hash_password
from .services import consultations as consultation_service
from .services import proposals as proposal_service
from .services.contributions import notice_hash
from .services.cooperative import create_college, update_cooperative
from .services.imports import NewContribution, NewVote, add_in_bulk
from .services.members import invite_member

CONTENT = Path(__file__).parent / "demo_content" / "consultations.json"
SEED = 2026

COOPERATIVE = (
    "SCIC Le Fil Solidaire",
    "Société coopérative d'intérêt collectif qui relie les habitants isolés du pays de Brière "
    "à des bénévoles, des aides à domicile et des services de proximité. Elle veut décider "
    "ensemble si, où et comment utiliser l'intelligence artificielle.",
)

# (name, description, vote weight in percent)
COLLEGES = (
    (
        "Salariés",
        "Les personnes employées par la coopérative : aides à domicile, coordination, accueil.",
        30,
    ),
    ("Bénévoles", "Les bénévoles qui rendent visite, accompagnent et animent les ateliers.", 20),
    ("Bénéficiaires", "Les personnes accompagnées et leurs proches aidants.", 20),
    ("Collectivités", "Les communes et l'intercommunalité associées au capital.", 15),
    ("Partenaires", "Associations, bailleurs sociaux, centre social, mutuelle.", 15),
)

DOMAIN = "fil-solidaire.example"

# (display name, college index, roles). The first one is the administrator.
MEMBERS = (
    ("Claire Fontanel", 0, ("admin", "board")),
    ("Yannick Le Goff", 0, ("facilitator",)),
    ("Sabrina Haddad", 0, ("ethics",)),
    ("Mathieu Rivallain", 0, ()),
    ("Nadia Benali", 0, ("board",)),
    ("Thomas Guérin", 0, ()),
    ("Élodie Perrot", 0, ()),
    ("Karim Ouali", 0, ()),
    ("Pauline Jégo", 0, ()),
    ("Bruno Lemercier", 1, ("board",)),
    ("Josiane Hervé", 1, ("ethics",)),
    ("Amadou Diallo", 1, ()),
    ("Gisèle Cornic", 1, ()),
    ("Hugo Bernardin", 1, ("facilitator",)),
    ("Martine Le Bihan", 1, ()),
    ("Lucas Tessier", 1, ()),
    ("Fatou Ndiaye", 1, ()),
    ("René Kerjean", 2, ("board",)),
    ("Odette Marchal", 2, ()),
    ("Samira Belkacem", 2, ("ethics",)),
    ("Jean-Paul Audran", 2, ()),
    ("Léa Moisan", 2, ()),
    ("Marcel Guillou", 2, ()),
    ("Annick Rouxel", 2, ()),
    ("Dominique Préval", 2, ()),
    ("Isabelle Quéré", 3, ("board",)),
    ("Frédéric Aubin", 3, ()),
    ("Sylvie Legrand", 3, ("ethics",)),
    ("Patrick Danet", 3, ()),
    ("Hélène Vasseur", 3, ()),
    ("Christophe Mahé", 3, ()),
    ("Anne-Sophie Rialland", 4, ("board",)),
    ("Olivier Brassier", 4, ()),
    ("Mélanie Coatanéa", 4, ()),
    ("Rachid Amrani", 4, ("facilitator",)),
    ("Véronique Pellan", 4, ()),
    ("Stéphane Joubier", 4, ()),
    ("Agnès Trémeur", 4, ()),
    ("Gaëlle Morvan", 3, ()),
    ("Damien Le Roux", 1, ("admin",)),
)


@dataclass
class DemoResult:
    created: bool
    colleges: int = 0
    members: int = 0
    consultations: int = 0
    contributions: int = 0
    votes: int = 0
    proposals: int = 0
    admin_email: str = ""
    password: str = ""
    accounts: list[tuple[str, str]] = field(default_factory=list)


def email_for(name: str) -> str:
    """prenom.nom@domain, lower-case ASCII."""
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    local = ascii_name.lower().replace(" ", ".").replace("'", "")
    return f"{local}@{DOMAIN}"


def _password_file(instance_path: str) -> Path:
    return Path(instance_path) / "demo-password.txt"


def _demo_password(instance_path: str) -> str:
    """The demo accounts' shared password, kept in the instance folder (never in git)."""
    path = _password_file(instance_path)
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    password = "-".join(secrets.token_hex(3) for _ in range(4))  # 27 characters
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(password)
    return password


def _showcase(result: DemoResult) -> None:
    """One account per role, for the visitor to try."""
    wanted = {"admin": None, "facilitator": None, "ethics": None, "board": None, "member": None}
    for name, _college, roles in MEMBERS:
        key = roles[0] if roles else "member"
        if key in wanted and wanted[key] is None:
            wanted[key] = email_for(name)
    result.accounts = [(email, role) for role, email in wanted.items() if email]


def load_demo(
    session: Session, instance_path: str, pseudonym_key: str = "demo", retention_months: int = 36
) -> DemoResult:
    """Load the demo cooperative if the database has no member yet (idempotent)."""
    already = session.exec(select(Member.id)).first() is not None
    password_known = _password_file(instance_path).exists()
    if already:
        result = DemoResult(created=False)
        if (
            password_known
            and session.exec(
                select(Member.id).where(Member.email == email_for(MEMBERS[0][0]))
            ).first()
        ):
            result.password = _demo_password(instance_path)
            result.admin_email = email_for(MEMBERS[0][0])
            _showcase(result)
        return result

    password = _demo_password(instance_path)
    password_hash = hash_password(password)  # one hash for all demo accounts: fast to load
    members: list[Member] = []
    update_cooperative(session, None, name=COOPERATIVE[0], purpose=COOPERATIVE[1])
    colleges = [
        create_college(session, None, name=name, description=description, vote_weight=weight)
        for name, description, weight in COLLEGES
    ]
    for name, college_index, roles in MEMBERS:
        link = invite_member(
            session,
            None,
            email=email_for(name),
            display_name=name,
            college_id=colleges[college_index].id,
            roles=("member", *roles),
        )
        member = link.member
        members.append(member)
        member.password_hash = password_hash
        now = utcnow()
        for token in session.exec(select(MemberToken).where(MemberToken.member_id == member.id)):
            token.used_at = now
            session.add(token)
        session.add(member)
        audit.record_event(
            session, events.MemberPasswordSet(actor=None, object_id=member.ref, purpose="demo")
        )
        session.commit()
    content = json.loads(CONTENT.read_text(encoding="utf-8"))
    by_name = {college.name: college for college in colleges}
    counts = [
        _load_consultation(session, spec, by_name, members, pseudonym_key, retention_months)
        for spec in content["consultations"]
    ]
    proposals = _load_proposals(session, content["proposals"], by_name, members)
    audit.record_event(
        session,
        events.DemoLoaded(
            actor=None, object_id="demo", colleges=len(COLLEGES), members=len(MEMBERS)
        ),
    )
    session.commit()
    result = DemoResult(
        created=True,
        colleges=len(COLLEGES),
        members=len(MEMBERS),
        consultations=len(counts),
        contributions=sum(c for c, _v in counts),
        votes=sum(v for _c, v in counts),
        proposals=proposals,
        admin_email=email_for(MEMBERS[0][0]),
        password=password,
    )
    _showcase(result)
    return result


def _agree_probability(spec_theme: dict, voter_college: str, stance: str | None) -> float:
    """How likely a voter of this college agrees with a contribution of this theme."""
    favourable = spec_theme["agree_by_college"][voter_college]
    direction = STANCE_DIRECTION.get(stance or "", 0)
    if direction > 0:
        return favourable
    if direction < 0:
        return 1 - favourable
    return 0.5


def _load_consultation(session, spec, colleges, members, key, retention_months):
    """One demo consultation with its contributions and votes; returns their counts."""
    rng = random.Random(f"{SEED}-{spec['key']}")
    data = consultation_service.ConsultationInput(
        title=spec["title"],
        question=spec["question"],
        description=spec["description"],
        anonymity=spec["anonymity"],
        stance_scale=spec["stance_scale"],
        college_ids=tuple(colleges[name].id for name in spec["colleges"]),
    )
    consultation = consultation_service.create_consultation(session, None, data, source="demo")
    now = utcnow()
    started = now - timedelta(days=40 if spec["status"] == "closed" else 12)
    if spec["status"] == "open":
        consultation.closes_at = now + timedelta(days=21)
    consultation_service.change_status(session, None, consultation.id, "open")
    college_of = {c.id: name for name, c in colleges.items()}
    by_college: dict[str, list[Member]] = {}
    for member in members:
        by_college.setdefault(college_of[member.college_id], []).append(member)
    themes = {theme["key"]: theme for theme in spec["themes"]}
    refs = {m.id: participant_ref(key, consultation.id, m.ref) for m in members}
    contributions, authors, turn = [], {}, dict.fromkeys(by_college, 0)
    for index, item in enumerate(spec["contributions"]):
        authors_pool = by_college[item["college"]]
        author = authors_pool[turn[item["college"]] % len(authors_pool)]
        turn[item["college"]] += 1
        keyname = f"demo-{index}"
        authors[keyname] = (author, item)
        contributions.append(
            NewContribution(
                key=keyname,
                participant_ref=refs[author.id],
                text=item["text"],
                stance=stance_from_word(item["stance"], spec["stance_scale"]),
                college_id=author.college_id,
                created_at=started + timedelta(minutes=rng.randint(0, 60 * 24 * 10)),
                author_id=None if spec["anonymity"] == "anonymous" else author.id,
            )
        )
    votes = []
    for contribution in contributions:
        author, item = authors[contribution.key]
        for voter in members:
            if voter.id == author.id or rng.random() > 0.45:
                continue
            if rng.random() < 0.12:
                value = 0
            else:
                p = _agree_probability(
                    themes[item["theme"]], college_of[voter.college_id], contribution.stance
                )
                value = 1 if rng.random() < p else -1
            votes.append(
                NewVote(
                    participant_ref=refs[voter.id],
                    contribution_key=contribution.key,
                    value=value,
                    college_id=voter.college_id,
                    created_at=contribution.created_at + timedelta(hours=rng.randint(1, 72)),
                )
            )
    for member in {author.id: author for author, _item in authors.values()}.values():
        session.add(
            ConsentRecord(
                consultation_id=consultation.id,
                participant_ref=refs[member.id],
                notice_hash=notice_hash(consultation, retention_months),
            )
        )
    summary = add_in_bulk(
        session, consultation, contributions, votes, actor=None, source="demo", input_sha256=""
    )
    session.commit()
    if spec["status"] == "closed":
        consultation_service.change_status(session, None, consultation.id, "closed")
    return summary.contributions, summary.votes


def _load_proposals(session, specs, colleges, members) -> int:
    college_of = {c.id: name for name, c in colleges.items()}
    rng = random.Random(f"{SEED}-proposals")
    for spec in specs:
        pool = [m for m in members if college_of[m.college_id] == spec["author_college"]]
        author = rng.choice(pool)
        data = proposal_service.ProposalInput(
            **{name: spec[name] for name in proposal_service.ProposalInput.__dataclass_fields__}
        )
        proposal = proposal_service.submit(session, author, data)
        for comment in spec["comments"]:
            commenters = [
                m
                for m in members
                if college_of[m.college_id] == comment["college"] and m.id != author.id
            ]
            proposal_service.comment(session, rng.choice(commenters), proposal.id, comment["text"])
        for supporter in rng.sample([m for m in members if m.id != author.id], 6):
            proposal_service.set_support(session, supporter, proposal.id, True)
    return len(specs)
