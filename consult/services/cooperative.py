"""The cooperative's own settings and its colleges."""

from sqlmodel import Session, func, select

from .. import audit, events
from ..access import ADMINISTRATION
from ..models import College, Cooperative, Member, Motion, utcnow
from ..rules import N_, Problem, college_weight_warnings, tidy
from . import NotFound, ServiceError, actor_ref, require_role


def get_cooperative(session: Session) -> Cooperative | None:
    return session.exec(select(Cooperative).order_by(Cooperative.id)).first()


def update_cooperative(
    session: Session, actor: Member | None, *, name: str, purpose: str
) -> Cooperative:
    """Create or change the cooperative's name and purpose (admins only)."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    name, purpose = tidy(name), tidy(purpose)
    if not name:
        raise ServiceError(N_("Le nom de la coopérative est obligatoire."))
    cooperative = get_cooperative(session) or Cooperative(name=name, purpose=purpose)
    changes = tuple(
        key
        for key, value in (("name", name), ("purpose", purpose))
        if cooperative.id is None or getattr(cooperative, key) != value
    )
    cooperative.name, cooperative.purpose, cooperative.updated_at = name, purpose, utcnow()
    session.add(cooperative)
    session.flush()
    audit.record_event(
        session,
        events.CooperativeUpdated(
            actor=actor_ref(actor), object_id=str(cooperative.id), changes=changes
        ),
    )
    session.commit()
    return cooperative


def list_colleges(session: Session) -> list[College]:
    return list(session.exec(select(College).order_by(College.name)))


def college_member_counts(session: Session) -> dict[int, int]:
    rows = session.exec(
        select(Member.college_id, func.count(Member.id))
        .where(Member.active)
        .group_by(Member.college_id)
    )
    return {college_id: count for college_id, count in rows if college_id is not None}


def weight_warnings(session: Session) -> list[Problem]:
    return college_weight_warnings({c.name: c.vote_weight for c in list_colleges(session)})


def _check_college(session: Session, name: str, weight: int, college_id: int | None) -> None:
    if not name:
        raise ServiceError(N_("Le nom du collège est obligatoire."))
    if not 0 <= weight <= 100:
        raise ServiceError(
            N_("Le poids de vote doit être compris entre %(min)s et %(max)s %%."), min=0, max=100
        )
    same_name = session.exec(
        select(College).where(func.lower(College.name) == name.lower())
    ).first()
    if same_name is not None and same_name.id != college_id:
        raise ServiceError(N_("Un collège porte déjà le nom « %(name)s »."), name=name)


def create_college(
    session: Session, actor: Member | None, *, name: str, description: str = "", vote_weight: int
) -> College:
    """Add a college (admins only)."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    name = tidy(name)
    _check_college(session, name, vote_weight, None)
    college = College(name=name, description=tidy(description), vote_weight=vote_weight)
    session.add(college)
    session.flush()
    audit.record_event(
        session,
        events.CollegeCreated(
            actor=actor_ref(actor), object_id=str(college.id), name=name, vote_weight=vote_weight
        ),
    )
    session.commit()
    return college


def get_college(session: Session, college_id: int) -> College:
    college = session.get(College, college_id)
    if college is None:
        raise NotFound(N_("Ce collège n'existe pas."))
    return college


RENAME_DURING_VOTE = N_("Un vote est ouvert : renommez ce collège après sa clôture (le vote "
                        "compte les collèges sous leur nom à son ouverture).")


def _open_motions(session: Session) -> bool:
    return session.exec(select(Motion.id).where(Motion.status == "open")).first() is not None


def update_college(
    session: Session,
    actor: Member | None,
    college_id: int,
    *,
    name: str,
    description: str,
    vote_weight: int,
) -> College:
    """Change a college's name, description or vote weight (admins only)."""
    if actor is not None:
        require_role(actor, ADMINISTRATION)
    college = get_college(session, college_id)
    name, description = tidy(name), tidy(description)
    _check_college(session, name, vote_weight, college.id)
    new = {"name": name, "description": description, "vote_weight": vote_weight}
    changes = tuple(key for key, value in new.items() if getattr(college, key) != value)
    if not changes:
        return college
    if "name" in changes and _open_motions(session):
        # An open motion's weights are kept by the colleges' names it opened with.
        raise ServiceError(RENAME_DURING_VOTE)
    for key, value in new.items():
        setattr(college, key, value)
    college.updated_at = utcnow()
    session.add(college)
    audit.record_event(
        session,
        events.CollegeUpdated(
            actor=actor_ref(actor),
            object_id=str(college.id),
            changes=changes,
            vote_weight=vote_weight,
        ),
    )
    session.commit()
    return college
