"""The JSON API's tokens. A token is shown once, when it is made; the table keeps its SHA-256
only, so that a copy of the database lets nobody read the API as a member."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from . import utcnow


class ApiToken(SQLModel, table=True):
    """A member's token for /api/v1. Never deleted: revoking sets ``revoked_at``, and the
    token is refused from then on (as it is when its member is deactivated)."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=80)
    token_sha256: str = Field(max_length=64, unique=True)  # hex of SHA-256(token)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
