"""Contributions and votes from a Polis export folder (comments.csv, votes.csv or
participants-votes.csv); comments Polis's moderation rejected arrive hidden."""

import hashlib
from pathlib import Path

from sqlmodel import Session

from ...formats.errors import FormatError
from ...formats.polis import read_polis_export
from ...models import Member
from ...rules import N_, tidy
from .bulk import NewContribution, NewVote
from .common import (
    acceptable_comment,
    check_actor,
    commit,
    consultation_for,
    nothing_to_import,
    preview_rows,
)
from .report import (
    DEFAULT_LIMITS,
    ImportLimits,
    ImportRefused,
    ImportReport,
    Target,
)

POLIS_REJECTED = N_("Rejetée par la modération de Polis.")


def import_polis(
    session: Session,
    actor: Member | None,
    target: Target,
    folder: Path,
    *,
    dry_run: bool = True,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """A Polis export folder (comments.csv and votes.csv or participants-votes.csv)."""
    check_actor(session, actor, target)
    try:
        export = read_polis_export(Path(folder), max_rows=limits.max_votes)
    except FormatError as error:
        raise ImportRefused(error.problems) from error
    digest = hashlib.sha256()
    for name in sorted(p.name for p in Path(folder).glob("*.csv")):
        digest.update((Path(folder) / name).read_bytes())
    report = ImportReport(source="polis")
    contributions = []
    for comment in export.comments:
        if not acceptable_comment(report, comment.comment_id, comment.body):
            continue
        contributions.append(
            NewContribution(
                key=str(comment.comment_id),
                participant_ref=f"polis:{comment.author_id}",
                text=tidy(comment.body),
                created_at=comment.created_at,
                hidden_reason=POLIS_REJECTED if comment.moderated == -1 else None,
            )
        )
    keys = {c.key for c in contributions}
    votes = [
        NewVote(
            participant_ref=f"polis:{v.voter_id}",
            contribution_key=str(v.comment_id),
            value=v.vote,
            created_at=v.created_at,
        )
        for v in export.votes
        if str(v.comment_id) in keys
    ]
    report.rows = preview_rows(contributions)
    report.contributions, report.votes = len(contributions), len(votes)
    report.participants = len(
        {c.participant_ref for c in contributions} | {v.participant_ref for v in votes}
    )
    if nothing_to_import(report, contributions) or dry_run or not report.ok:
        return report
    title = target.title or export.topic or Path(folder).name
    consultation = consultation_for(
        session,
        actor,
        Target(target.consultation_id, title),
        scale="none",
        source="polis",
        question=export.topic or title,
        description=export.description,
    )
    commit(session, consultation, contributions, votes, actor, "polis", digest.hexdigest(), report)
    return report
