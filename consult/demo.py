"""The demo cooperative: a SCIC with five colleges and about forty invented members.

Every name here is invented. Loading goes through the services, so the demo
leaves the same audit trail as real use.
"""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from . import audit
from .models import Member, MemberToken, utcnow
from .security import hash_password
from .services.cooperative import create_college, update_cooperative
from .services.members import invite_member

COOPERATIVE = (
    "SCIC Le Fil Solidaire",
    "Société coopérative d'intérêt collectif qui relie les habitants isolés du pays de Brière "
    "à des bénévoles, des aides à domicile et des services de proximité. Elle veut décider "
    "ensemble si, où et comment utiliser l'intelligence artificielle.",
)

# (name, description, vote weight in percent)
COLLEGES = (
    ("Salariés", "Les personnes employées par la coopérative : aides à domicile, "
     "coordination, accueil.", 30),
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


def load_demo(session: Session, instance_path: str) -> DemoResult:
    """Load the demo cooperative if the database has no member yet (idempotent)."""
    already = session.exec(select(Member.id)).first() is not None
    password_known = _password_file(instance_path).exists()
    if already:
        result = DemoResult(created=False)
        if password_known and session.exec(
            select(Member.id).where(Member.email == email_for(MEMBERS[0][0]))
        ).first():
            result.password = _demo_password(instance_path)
            result.admin_email = email_for(MEMBERS[0][0])
            _showcase(result)
        return result

    password = _demo_password(instance_path)
    password_hash = hash_password(password)  # one hash for all demo accounts: fast to load
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
        member.password_hash = password_hash
        now = utcnow()
        for token in session.exec(select(MemberToken).where(MemberToken.member_id == member.id)):
            token.used_at = now
            session.add(token)
        session.add(member)
        audit.record_event(
            session, audit.MemberPasswordSet(actor=None, object_id=member.ref, purpose="demo")
        )
        session.commit()
    audit.record_event(
        session,
        audit.DemoLoaded(
            actor=None, object_id="demo", colleges=len(COLLEGES), members=len(MEMBERS)
        ),
    )
    session.commit()
    result = DemoResult(
        created=True,
        colleges=len(COLLEGES),
        members=len(MEMBERS),
        admin_email=email_for(MEMBERS[0][0]),
        password=password,
    )
    _showcase(result)
    return result
