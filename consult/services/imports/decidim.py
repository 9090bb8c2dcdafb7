"""Comments from a Decidim export (CSV, JSON or Excel); their alignment becomes the stance."""

from sqlmodel import Session

from ...formats.decidim import read_decidim_comments
from ...formats.errors import FormatError
from ...models import Member
from ...rules import tidy
from .bulk import NewContribution
from .common import (
    acceptable_comment,
    check_actor,
    commit,
    consultation_for,
    digest,
    nothing_to_import,
    preview_rows,
    target_scale,
)
from .report import (
    DEFAULT_LIMITS,
    ImportLimits,
    ImportRefused,
    ImportReport,
    Target,
)

DECIDIM_STANCES = {1: "for", 0: "mixed", -1: "against"}


def import_decidim(
    session: Session,
    actor: Member | None,
    target: Target,
    data: bytes,
    filename: str,
    *,
    dry_run: bool = True,
    limits: ImportLimits = DEFAULT_LIMITS,
) -> ImportReport:
    """A Decidim comments export (CSV, JSON or Excel); alignment becomes the stance."""
    check_actor(session, actor, target)
    try:
        comments = read_decidim_comments(
            data, filename, max_rows=limits.max_rows, max_bytes=limits.max_bytes
        )
    except FormatError as error:
        raise ImportRefused(error.problems) from error
    scale = target_scale(session, target)
    report = ImportReport(source="decidim")
    contributions = []
    for comment in comments:
        if not acceptable_comment(report, comment.comment_id, comment.body):
            continue
        stance = DECIDIM_STANCES.get(comment.alignment) if scale == "three" else None
        contributions.append(
            NewContribution(
                key=f"decidim-{comment.comment_id}",
                participant_ref=f"decidim:{comment.author_id}",
                text=tidy(comment.body),
                stance=stance,
                created_at=comment.created_at,
            )
        )
    report.rows = preview_rows(contributions)
    report.contributions = len(contributions)
    report.participants = len({c.participant_ref for c in contributions})
    if nothing_to_import(report, contributions) or dry_run or not report.ok:
        return report
    consultation = consultation_for(session, actor, target, scale="three", source="decidim")
    commit(session, consultation, contributions, [], actor, "decidim", digest(data), report)
    return report
