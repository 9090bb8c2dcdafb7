"""Adding many contributions and votes at once: imports and the demo.

Everything lands in one transaction with one `ConsultationImported` event, so an
import is all or nothing and the audit log records it as one act.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from ... import audit, events
from ...models import Consultation, Contribution, ContributionVersion, Member, Vote, utcnow
from ...redaction import redact_many


@dataclass(frozen=True)
class NewContribution:
    """One contribution to add. `key` identifies it for the votes of the same batch."""

    key: str
    participant_ref: str
    text: str
    stance: str | None = None
    college_id: int | None = None
    created_at: datetime | None = None
    author_id: int | None = None
    hidden_reason: str | None = None  # set: the contribution arrives hidden (moderated out)


@dataclass(frozen=True)
class NewVote:
    participant_ref: str
    contribution_key: str
    value: int
    created_at: datetime | None = None
    college_id: int | None = None


@dataclass(frozen=True)
class BulkSummary:
    contributions: int
    votes: int
    participants: int


def add_in_bulk(
    session: Session,
    consultation: Consultation,
    contributions: list[NewContribution],
    votes: list[NewVote],
    *,
    actor: Member | None,
    source: str,
    input_sha256: str,
) -> BulkSummary:
    """Add contributions (redacted, versioned) and their vote events; the caller commits."""
    now = utcnow()
    redactions = redact_many([c.text for c in contributions])
    rows: dict[str, Contribution] = {}
    for item, redaction in zip(contributions, redactions, strict=True):
        row = Contribution(
            consultation_id=consultation.id,
            participant_ref=item.participant_ref,
            author_id=item.author_id,
            college_id=item.college_id,
            text=item.text,
            redacted_text=redaction.text,
            stance=item.stance,
            hidden=item.hidden_reason is not None,
            hidden_reason=item.hidden_reason,
            hidden_at=now if item.hidden_reason is not None else None,
            external_id=item.key,
            created_at=item.created_at or now,
            updated_at=item.created_at or now,
        )
        rows[item.key] = row
        session.add(row)
    session.flush()
    session.add_all(
        ContributionVersion(
            contribution_id=row.id,
            number=1,
            text=row.text,
            redacted_text=row.redacted_text,
            stance=row.stance,
            created_at=row.created_at,
        )
        for row in rows.values()
    )
    # Every vote event is kept; only the last one of each (participant, contribution) counts.
    histories = defaultdict(list)
    for order, vote in enumerate(votes):
        histories[(vote.participant_ref, vote.contribution_key)].append(
            (vote.created_at or now, order, vote)
        )
    for (_ref, key), history in histories.items():
        history.sort(key=lambda item: (item[0], item[1]))
        for position, (created_at, _order, vote) in enumerate(history):
            session.add(
                Vote(
                    contribution_id=rows[key].id,
                    participant_ref=vote.participant_ref,
                    college_id=vote.college_id,
                    value=vote.value,
                    latest=position == len(history) - 1,
                    created_at=created_at,
                )
            )
    participants = {c.participant_ref for c in contributions} | {v.participant_ref for v in votes}
    summary = BulkSummary(len(contributions), len(votes), len(participants))
    audit.record_event(
        session,
        events.ConsultationImported(
            actor=actor.ref if actor else None,
            object_id=str(consultation.id),
            source=source,
            contributions=summary.contributions,
            votes=summary.votes,
            participants=summary.participants,
            input_sha256=input_sha256,
        ),
    )
    return summary
