"""The audit event catalogue: one frozen dataclass per kind of state change.

Each event is named after what happened (``VoteCast``, ``ContributionHidden``…), says in its
docstring what it records, and carries plain values only. Events name people only by their
pseudonymous ``ref``, never by e-mail or name, so that erasing a member never requires rewriting
the log. :mod:`consult.audit` records them. Pure: no Flask, no database.

The coming rooms add their events here, each under its own heading: the ethics register's
(``RegisterEntryVersioned``, ``BiasTestRecorded``, ``CheckpointSigned``…) and the board's
(``MotionOpened``, ``BallotCast``, ``MotionAdopted``…).
"""

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every audit event. `actor` is the acting member's ref (None: the system)."""

    object_type: ClassVar[str] = ""
    actor: str | None
    object_id: str

    @property
    def event_type(self) -> str:
        return type(self).__name__

    def data(self) -> dict[str, Any]:
        """The event's own fields, without the common ones."""
        common = {"actor", "object_id"}
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in common}


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list, frozenset, set)):
        items = [_plain(v) for v in value]
        return sorted(items) if isinstance(value, (frozenset, set)) else items
    if isinstance(value, datetime):
        return value.isoformat()
    return value


# --- Cooperative and colleges -------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CooperativeUpdated(Event):
    """The cooperative's name or purpose changed."""

    object_type: ClassVar[str] = "cooperative"
    changes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CollegeCreated(Event):
    """A college was created."""

    object_type: ClassVar[str] = "college"
    name: str
    vote_weight: int


@dataclass(frozen=True, kw_only=True)
class CollegeUpdated(Event):
    """A college's name, description or vote weight changed."""

    object_type: ClassVar[str] = "college"
    changes: tuple[str, ...]
    vote_weight: int


# --- Members --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberInvited(Event):
    """An administrator invited a person; an invitation link was issued."""

    object_type: ClassVar[str] = "member"
    college_id: int | None
    roles: tuple[str, ...]
    mailed: bool


@dataclass(frozen=True, kw_only=True)
class MemberInvitationRenewed(Event):
    """A new invitation link replaced the previous ones."""

    object_type: ClassVar[str] = "member"
    mailed: bool


@dataclass(frozen=True, kw_only=True)
class MemberPasswordSet(Event):
    """A member set their password through an invitation or a reset link."""

    object_type: ClassVar[str] = "member"
    purpose: str


@dataclass(frozen=True, kw_only=True)
class MemberPasswordResetRequested(Event):
    """A password-reset link was issued for a member."""

    object_type: ClassVar[str] = "member"
    mailed: bool


@dataclass(frozen=True, kw_only=True)
class MemberUpdated(Event):
    """A member's name, college or roles changed."""

    object_type: ClassVar[str] = "member"
    changes: tuple[str, ...]
    college_id: int | None
    roles: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class MemberDeactivated(Event):
    """A member can no longer sign in; their data stays."""

    object_type: ClassVar[str] = "member"


@dataclass(frozen=True, kw_only=True)
class MemberReactivated(Event):
    """A deactivated member can sign in again."""

    object_type: ClassVar[str] = "member"


@dataclass(frozen=True, kw_only=True)
class MemberSignedIn(Event):
    """A member signed in."""

    object_type: ClassVar[str] = "member"


@dataclass(frozen=True, kw_only=True)
class MemberSignedOut(Event):
    """A member signed out, which ended every one of their sessions."""

    object_type: ClassVar[str] = "member"


@dataclass(frozen=True, kw_only=True)
class DemoLoaded(Event):
    """The demo cooperative was loaded into an empty database."""

    object_type: ClassVar[str] = "cooperative"
    colleges: int
    members: int


# --- Consultations ----------------------------------------------------------------
# Contribution and vote events name the participant by their consultation pseudonym
# (`participant_ref`), never by member ref, so the log cannot de-anonymise anyone.


@dataclass(frozen=True, kw_only=True)
class ConsultationCreated(Event):
    """A facilitator created a consultation (as a draft)."""

    object_type: ClassVar[str] = "consultation"
    anonymity: str
    stance_scale: str
    colleges: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class ConsultationUpdated(Event):
    """A facilitator changed a consultation's text, dates, colleges or settings."""

    object_type: ClassVar[str] = "consultation"
    changes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ConsultationStatusChanged(Event):
    """A consultation moved in its lifecycle (actor None: closed by its date)."""

    object_type: ClassVar[str] = "consultation"
    previous: str
    status: str


@dataclass(frozen=True, kw_only=True)
class ConsentAccepted(Event):
    """A participant accepted the data notice of a consultation."""

    object_type: ClassVar[str] = "consultation"
    notice_hash: str


@dataclass(frozen=True, kw_only=True)
class ContributionSubmitted(Event):
    """A participant wrote a contribution."""

    object_type: ClassVar[str] = "contribution"
    consultation_id: int
    stance: str | None
    redactions: int


@dataclass(frozen=True, kw_only=True)
class ContributionEdited(Event):
    """A participant changed their contribution; the earlier version is kept."""

    object_type: ClassVar[str] = "contribution"
    version: int
    stance: str | None


@dataclass(frozen=True, kw_only=True)
class ContributionWithdrawn(Event):
    """A participant withdrew their contribution; its versions are kept."""

    object_type: ClassVar[str] = "contribution"
    version: int


@dataclass(frozen=True, kw_only=True)
class VoteCast(Event):
    """A participant agreed, disagreed or passed on a contribution."""

    object_type: ClassVar[str] = "contribution"
    value: int


@dataclass(frozen=True, kw_only=True)
class ContributionReported(Event):
    """A member reported a contribution to the moderation."""

    object_type: ClassVar[str] = "contribution"
    report_count: int


@dataclass(frozen=True, kw_only=True)
class ContributionHidden(Event):
    """A contribution was hidden (actor None: automatically, after enough reports)."""

    object_type: ClassVar[str] = "contribution"
    reason: str
    automatic: bool


@dataclass(frozen=True, kw_only=True)
class ContributionRestored(Event):
    """A facilitator made a hidden contribution visible again."""

    object_type: ClassVar[str] = "contribution"
    reason: str


@dataclass(frozen=True, kw_only=True)
class ConsultationImported(Event):
    """Contributions (and votes) came in from a file or another tool."""

    object_type: ClassVar[str] = "consultation"
    source: str
    contributions: int
    votes: int
    participants: int
    input_sha256: str


@dataclass(frozen=True, kw_only=True)
class ConsultationExported(Event):
    """A facilitator exported a consultation's contributions."""

    object_type: ClassVar[str] = "consultation"
    format: str
    redacted: bool


# --- Analyses ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AnalysisRequested(Event):
    """A theme analysis of a consultation was asked for; its run waits for the job worker."""

    object_type: ClassVar[str] = "analysis_run"
    consultation_id: int
    mode: str


@dataclass(frozen=True, kw_only=True)
class AnalysisAbandoned(Event):
    """A running analysis was marked failed: its worker stopped (its process is gone, or it gave
    no sign of life for too long)."""

    object_type: ClassVar[str] = "analysis_run"
    consultation_id: int
    worker: str | None
    last_heartbeat: datetime


@dataclass(frozen=True, kw_only=True)
class AnalysisRecorded(Event):
    """A theme analysis of a consultation ended, done or failed; its run is stored whole."""

    object_type: ClassVar[str] = "analysis_run"
    consultation_id: int
    mode: str
    status: str
    input_sha256: str
    themes: int


@dataclass(frozen=True, kw_only=True)
class AnalysisCancelled(Event):
    """A facilitator stopped an analysis, queued or running; it stores no result."""

    object_type: ClassVar[str] = "analysis_run"
    consultation_id: int
    was: str  # queued or running


# --- Proposals --------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ProposalSubmitted(Event):
    """A member submitted an AI-project proposal."""

    object_type: ClassVar[str] = "proposal"
    personal_data: bool
    sensitive_data: bool


@dataclass(frozen=True, kw_only=True)
class ProposalCommented(Event):
    """A member commented on a proposal."""

    object_type: ClassVar[str] = "proposal"
    comment_id: int


@dataclass(frozen=True, kw_only=True)
class ProposalSupported(Event):
    """A member supported a proposal (or withdrew their support)."""

    object_type: ClassVar[str] = "proposal"
    supported: bool


# --- Members' rights -----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MemberDataExported(Event):
    """A member downloaded all their data."""

    object_type: ClassVar[str] = "member"


@dataclass(frozen=True, kw_only=True)
class MemberErased(Event):
    """A member's identity was erased; their contributions kept anonymised or deleted."""

    object_type: ClassVar[str] = "member"
    contributions_deleted: int
    contributions_anonymised: int


# --- The ethics register -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RegisterEntryCreated(Event):
    """The ethics committee registered an AI system (its first version)."""

    object_type: ClassVar[str] = "register_entry"
    name: str
    proposal_id: int | None
    document_sha256: str


@dataclass(frozen=True, kw_only=True)
class RegisterEntryVersioned(Event):
    """A register entry got a new version; the fields that changed and the new text's hash."""

    object_type: ClassVar[str] = "register_entry"
    version: int
    changed: tuple[str, ...]
    document_sha256: str


@dataclass(frozen=True, kw_only=True)
class RegisterEntryStatusChanged(Event):
    """A register entry moved along its lifecycle (proposed → … → retired), with the reason."""

    object_type: ClassVar[str] = "register_entry"
    version: int
    previous: str
    status: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ReviewRecorded(Event):
    """The committee recorded its review of an entry's version, with its opinion."""

    object_type: ClassVar[str] = "review"
    entry_id: int
    version: int
    opinion: str


@dataclass(frozen=True, kw_only=True)
class ReviewSigned(Event):
    """A committee member present signed a review."""

    object_type: ClassVar[str] = "review"
    entry_id: int


@dataclass(frozen=True, kw_only=True)
class BiasTestRecorded(Event):
    """The committee recorded a bias test of an entry's version: its dataset's hash and the
    count of each verdict (the whole result is in the bias_test table)."""

    object_type: ClassVar[str] = "bias_test"
    entry_id: int
    version: int
    dataset_sha256: str
    result_sha256: str
    verdicts: dict[str, int]


@dataclass(frozen=True, kw_only=True)
class BiasWaiverSigned(Event):
    """A committee member accepted one verdict of a bias test (fail or not enough data), with
    the reason."""

    object_type: ClassVar[str] = "bias_test"
    entry_id: int
    version: int
    metric: str
    verdict: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class BiasThresholdsApproved(Event):
    """The committee approved the thresholds of an entry's bias tests, with the reason."""

    object_type: ClassVar[str] = "register_entry"
    ratio_min: float
    ratio_max: float
    max_difference: float
    min_count: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class ProposalMoved(Event):
    """An AI-project proposal took a step of its path (consultation, ethics review, the board's
    decision, its outcome, deployment), with what it was linked to and why."""

    object_type: ClassVar[str] = "proposal"
    previous: str
    status: str
    reason: str
    consultation_id: int | None = None
    entry_id: int | None = None
    motion_id: int | None = None


# --- The JSON API ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ApiTokenCreated(Event):
    """An API token was made for a member (its SHA-256 is stored, never the token)."""

    object_type: ClassVar[str] = "api_token"
    member: str  # the member's ref
    name: str


@dataclass(frozen=True, kw_only=True)
class ApiTokenRevoked(Event):
    """An API token was revoked: it is refused from now on."""

    object_type: ClassVar[str] = "api_token"
    member: str  # the member's ref
