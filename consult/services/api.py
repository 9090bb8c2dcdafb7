"""The read-only JSON API (/api/v1) as plain values: what each endpoint answers, read through
the services the HTML pages use, so that the API never shows a person more than the pages do.

Public: the public register (what /ia shows), the audit log's latest checkpoint (what /journal
shows). With a member's token: the adopted charter (/charte is for signed-in members), the
consultations the member may see, their published syntheses (never a draft), the decisions of
the bodies the member belongs to, and, for the ethics committee, an event's proof (as
/journal/preuves). No e-mail address, no participant reference, no member's name.

The OpenAPI 3.1 document that describes every answer is :func:`openapi`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from ethics_register import Signer, entry

from ..models import Consultation, Member, utcnow
from ..rules import phase
from . import NotFound, audit_log, board_pages, charter_pages, register_pages
from . import synthesis as synthesis_service
from .board import NOT_CLOSED
from .consultations import list_for_member, require_visible, state_of

PUBLIC_FIELDS = tuple(name for name, spec in entry.FIELDS.items() if spec.public)


def iso(moment: datetime | None) -> str | None:
    """A stored UTC time as RFC 3339 text (SQLite gives some back without their zone)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


# --- Public ---------------------------------------------------------------------------------


def public_register(session: Session) -> dict:
    """The AI systems approved, deployed or suspended, with their public fields only."""
    items = register_pages.public_register(session)
    return {"entries": [{
        "id": item.entry.id, "name": item.entry.name, "status": item.entry.status,
        "ai_act_tier": item.entry.ai_act_tier, "version": item.entry.current_version,
        "fields": {name: str(item.document.get(name, "") or "") for name in PUBLIC_FIELDS},
    } for item in items]}


def latest_checkpoint(session: Session, signer: Signer) -> dict | None:
    """The log's latest signed checkpoint and the key that verifies it; None before the first."""
    page = audit_log.journal_page(session, signer)
    row = page.checkpoint
    if row is None:
        return None
    return {"origin": page.origin, "log_size": page.size, "tree_size": row.tree_size,
            "root_hash": row.root_hash, "note": row.note, "signed_at": iso(row.created_at),
            "public_key": page.public_key}


# --- Members --------------------------------------------------------------------------------


def proof(session: Session, actor: Member, signer: Signer, index: int) -> dict:
    """An event's proof file (the ethics committee and administrators, as /journal/preuves)."""
    return audit_log.proof_for(session, actor, signer, index)


def charter(session: Session, actor: Member) -> dict | None:
    """The charter in force (every active member, as /charte); None when there is none."""
    current = charter_pages.charter_page(session, actor).current
    if current is None:
        return None
    return {"number": current.number, "summary": current.summary,
            "adopted_at": iso(current.adopted_at), "founding": current.founding,
            "principles": [{"title": p.title, "text": p.text, "rationale": p.rationale}
                           for p in current.principles]}


def _consultation(row: Consultation, published: bool, now: datetime) -> dict:
    return {"id": row.id, "title": row.title, "question": row.question,
            "description": row.description, "phase": phase(state_of(row), now),
            "opens_at": iso(row.opens_at), "closes_at": iso(row.closes_at),
            "anonymity": row.anonymity, "synthesis_published": published}


def consultations(session: Session, actor: Member) -> dict:
    """The consultations the member sees on /consultations (facilitators: all but drafts)."""
    rows = list_for_member(session, actor)
    published = synthesis_service.published_ids(session, [r.id for r in rows])
    now = utcnow()
    return {"consultations": [_consultation(r, r.id in published, now) for r in rows]}


def consultation(session: Session, actor: Member, consultation_id: int) -> dict:
    """One consultation, if the member may see it (refused as its page refuses it)."""
    row = require_visible(session, actor, consultation_id)
    published = synthesis_service.published_ids(session, [row.id])
    return _consultation(row, row.id in published, utcnow())


def _verdict(verdict: dict | None) -> dict | None:
    if not verdict:
        return None
    return {"label": verdict["label"], "label_text": verdict.get("label_text", ""),
            "reasons": [{"code": r.get("code", ""), "text": r.get("text", "")}
                        for r in verdict.get("reasons", [])]}


def _theme(theme: dict) -> dict:
    return {"id": theme["id"], "label": theme["label"], "keywords": list(theme["keywords"]),
            "size": theme["size"], "summary": theme.get("summary") or "",
            "reviewed": bool(theme.get("reviewed")), "verdict": _verdict(theme.get("verdict")),
            "colleges": [{"college": c["group"], "n": c["n"], "agree": c["agree"],
                          "neutral": c["neutral"], "disagree": c["disagree"]}
                         for c in theme.get("colleges") or []]}


def synthesis(session: Session, actor: Member, consultation_id: int,
              version: int | None = None) -> dict:
    """A published synthesis (the latest, or ``version``) with its themes and verdicts; a
    consultation without one is not found, and a draft is never read."""
    view = synthesis_service.published(session, actor, consultation_id, version)
    document = view.document
    participation = document.get("participation") or {}
    return {"consultation_id": view.consultation.id, "version": view.version,
            "versions": list(view.versions), "published_at": iso(view.published_at),
            "sha256": view.sha256,
            "participation": {name: int(participation.get(name) or 0) for name in
                              ("members", "participants", "contributions", "votes")},
            "themes": [_theme(t) for t in (document.get("analysis") or {}).get("themes", [])]}


def _result(result: board_pages.Result | None) -> dict | None:
    if result is None:
        return None
    return {"outcome": result.outcome, "eligible": result.eligible, "voted": result.voted,
            "pour": result.pour, "contre": result.contre, "abstention": result.abstention,
            "share": result.share, "quorum_met": result.quorum_met,
            "colleges": [{"college": r.name, "eligible": r.eligible, "voted": r.voted,
                          "pour": r.pour, "contre": r.contre, "abstention": r.abstention,
                          "share": r.share, "weight": r.weight} for r in result.rows]}


def _decision(motion, result) -> dict:
    return {"id": motion.id, "title": motion.title, "text": motion.text, "body": motion.body,
            "subject": motion.subject, "method": motion.method, "majority": motion.majority,
            "secret": motion.secret, "opens_at": iso(motion.opens_at),
            "closes_at": iso(motion.closes_at), "closed_at": iso(motion.closed_at),
            "outcome_statement": motion.outcome_statement, "result": _result(result)}


def decisions(session: Session, actor: Member) -> dict:
    """The closed motions of the bodies the member belongs to, as /votes lists them."""
    lines = board_pages.member_votes(session, actor).closed
    return {"decisions": [_decision(line.motion, board_pages.result_of(line.motion))
                          for line in lines]}


def decision(session: Session, actor: Member, motion_id: int, settings: dict) -> dict:
    """A closed motion and its result, as its member page shows it; an open or cancelled
    motion is no decision (not found)."""
    page = board_pages.motion_page(session, actor, motion_id, settings)
    if page.motion.status != "closed":
        raise NotFound(NOT_CLOSED)
    return _decision(page.motion, page.result)


# --- The OpenAPI 3.1 document ----------------------------------------------------------------

MAX_ID = 2**31 - 1  # ids are 32-bit integers in the database


def _s(kind, **more) -> dict:
    return {"type": kind, **more}


def _nullable(kind, **more) -> dict:
    return {"type": [kind, "null"], **more}


def _object(properties: dict) -> dict:
    return {"type": "object", "additionalProperties": False,
            "required": sorted(properties), "properties": properties}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


TIME = _s("string", format="date-time")
NULL_TIME = _nullable("string", format="date-time")
SHARE = _s("number", minimum=0, maximum=1)
COUNT = _s("integer", minimum=0)
COUNTS = {name: COUNT for name in ("eligible", "voted", "pour", "contre", "abstention")}

SCHEMAS = {
    "Error": _object({"error": _s("string", description="what went wrong, as a code"),
                      "message": _object({"fr": _s("string"), "en": _s("string")})}),
    "PublicRegister": _object({"entries": _s("array", items=_ref("RegisterEntry"))}),
    "RegisterEntry": _object({
        "id": _s("integer"), "name": _s("string"),
        "status": _s("string", enum=list(register_pages.PUBLIC_STATUSES)),
        "ai_act_tier": _s("string", enum=list(entry.AI_ACT_TIERS)), "version": _s("integer"),
        "fields": _object({name: _s("string") for name in PUBLIC_FIELDS})}),
    "Checkpoint": _object({
        "origin": _s("string"), "log_size": COUNT, "tree_size": COUNT,
        "root_hash": _s("string", pattern="^[0-9a-f]{64}$"),
        "note": _s("string", description="C2SP tlog-checkpoint as a signed note"),
        "signed_at": TIME, "public_key": _s("string", description="the note's verifier key")}),
    "Proof": _object({
        "format": _s("string", const=audit_log.PROOF_FORMAT), "index": COUNT,
        "tree_size": COUNT, "event": _s("string", description="the event's canonical JSON"),
        "inclusion": _s("array", items=_s("string", pattern="^[0-9a-f]{64}$")),
        "checkpoint": _s("string"), "public_key": _s("string")}),
    "Charter": _object({
        "number": _s("integer"), "summary": _s("string"), "adopted_at": NULL_TIME,
        "founding": _s("boolean"), "principles": _s("array", items=_object({
            "title": _s("string"), "text": _s("string"), "rationale": _s("string")}))}),
    "Consultation": _object({
        "id": _s("integer"), "title": _s("string"), "question": _s("string"),
        "description": _s("string"),
        "phase": _s("string", enum=["draft", "scheduled", "open", "closed", "analysed",
                                    "published"]),
        "opens_at": NULL_TIME, "closes_at": NULL_TIME, "anonymity": _s("string"),
        "synthesis_published": _s("boolean")}),
    "Consultations": _object({"consultations": _s("array", items=_ref("Consultation"))}),
    "Verdict": _object({
        "label": _s("string"), "label_text": _s("string"),
        "reasons": _s("array", items=_object({"code": _s("string"), "text": _s("string")}))}),
    "Theme": _object({
        "id": _s("integer"), "label": _s("string"), "keywords": _s("array", items=_s("string")),
        "size": COUNT, "summary": _s("string"), "reviewed": _s("boolean"),
        "verdict": {"oneOf": [_ref("Verdict"), _s("null")]},
        "colleges": _s("array", items=_object({
            "college": _s("string"), "n": COUNT, "agree": SHARE, "neutral": SHARE,
            "disagree": SHARE}))}),
    "Synthesis": _object({
        "consultation_id": _s("integer"), "version": _s("integer", minimum=1),
        "versions": _s("array", items=_s("integer")), "published_at": TIME,
        "sha256": _s("string", pattern="^[0-9a-f]{64}$"),
        "participation": _object({name: COUNT for name in
                                  ("members", "participants", "contributions", "votes")}),
        "themes": _s("array", items=_ref("Theme"))}),
    "Result": _object({
        "outcome": _s("string"), **COUNTS, "share": _nullable("number"),
        "quorum_met": _s("boolean"),
        "colleges": _s("array", items=_object({
            "college": _s("string"), **COUNTS, "share": _nullable("number"),
            "weight": _nullable("number")}))}),
    "Decision": _object({
        "id": _s("integer"), "title": _s("string"), "text": _s("string"),
        "body": _s("string", enum=["board", "assembly"]), "subject": _s("string"),
        "method": _s("string"), "majority": _s("string"), "secret": _s("boolean"),
        "opens_at": TIME, "closes_at": TIME, "closed_at": NULL_TIME,
        "outcome_statement": _s("string"),
        "result": {"oneOf": [_ref("Result"), _s("null")]}}),
    "Decisions": _object({"decisions": _s("array", items=_ref("Decision"))}),
}

ERRORS = {
    400: "Paramètre invalide / invalid parameter",
    401: "Jeton absent, inconnu ou révoqué, ou membre désactivé / no valid token",
    403: "Refusé à ce membre, comme la page HTML / refused to this member, as the page is",
    404: "Introuvable / not found",
}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": _s("integer", minimum=0, maximum=MAX_ID)}


def _get(operation: str, summary: str, schema: str, *, member: bool,
         parameters: tuple = (), errors: tuple = ()) -> dict:
    codes = sorted({*errors, *((401,) if member else ())})
    return {"get": {
        "operationId": operation, "summary": summary, "parameters": list(parameters),
        "security": [{"bearer": []}] if member else [],
        "responses": {"200": _json(_ref(schema), "OK"),
                      **{str(c): _json(_ref("Error"), ERRORS[c]) for c in codes}}}}


VERSION = {"name": "version", "in": "query", "required": False,
           "description": "a published version (default: the latest)",
           "schema": _s("integer", minimum=1, maximum=MAX_ID)}

PATHS = {
    "/api/v1/register": _get("publicRegister", "The public register of AI systems (as /ia)",
                             "PublicRegister", member=False),
    "/api/v1/checkpoint": _get("latestCheckpoint", "The audit log's latest signed checkpoint",
                               "Checkpoint", member=False, errors=(404,)),
    "/api/v1/proofs/{index}": _get(
        "eventProof", "An event's inclusion proof (ethics committee)", "Proof", member=True,
        parameters=(_id("index", "the event's place in the log"),), errors=(403, 404)),
    "/api/v1/charter": _get("adoptedCharter", "The AI charter in force", "Charter",
                            member=True, errors=(404,)),
    "/api/v1/consultations": _get("consultations", "The consultations the member may see",
                                  "Consultations", member=True),
    "/api/v1/consultations/{consultation_id}": _get(
        "consultation", "One consultation", "Consultation", member=True,
        parameters=(_id("consultation_id", "the consultation's id"),), errors=(403, 404)),
    "/api/v1/consultations/{consultation_id}/synthesis": _get(
        "synthesis", "A consultation's published synthesis, its themes and verdicts",
        "Synthesis", member=True,
        parameters=(_id("consultation_id", "the consultation's id"), VERSION),
        errors=(400, 403, 404)),
    "/api/v1/decisions": _get("decisions", "The decisions of the member's bodies", "Decisions",
                              member=True),
    "/api/v1/decisions/{motion_id}": _get(
        "decision", "A closed motion and its result", "Decision", member=True,
        parameters=(_id("motion_id", "the motion's id"),), errors=(403, 404)),
}


def openapi() -> dict:
    """The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json)."""
    paths = {**PATHS, "/api/v1/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This document", "security": [],
        "responses": {"200": {"description": "OpenAPI 3.1",
                              "content": {"application/json": {"schema": _s("object")}}}}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Palabre", "version": "1",
                 "description": "Read-only JSON API. Public: the register and the latest "
                                "checkpoint. Everything else: a member's token, "
                                "`Authorization: Bearer plb_…` (`palabre api token create`)."},
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {
            "type": "http", "scheme": "bearer",
            "description": "A member's API token, made by an administrator"}}},
    }
