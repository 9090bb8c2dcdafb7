"""Bias tests of register entries: recorded from the committee's upload (CSV or XLSX) or from
a Python caller's arrays, read by the deployment gate with their waivers, under the thresholds
the committee approved for the entry.

The metrics, intervals and verdicts are the pure :mod:`ethics_register.bias`; this module reads
the file, keeps the result as JSON (never a pickle) for the entry's current version, and records
each test, waiver and approval as an audit event with a signed checkpoint, in one transaction:
a file with a problem stores nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ethics_register import Signer, gate
from ethics_register.bias import MIN_COUNT, N_BOOT, BiasTestResult, Thresholds, bias_test
from ethics_register.predictions import predictions_from_table
from ethics_register.problems import InvalidPredictions

from .. import audit, events
from ..access import COMMITTEE
from ..formats.errors import FormatError
from ..formats.tables import read_table
from ..models import BiasTest, BiasThresholds, BiasWaiver, Member, RegisterEntry, utcnow
from ..rules import N_, Problem
from . import NotFound, ServiceError, actor_ref, audit_log, require_role
from .imports.report import DEFAULT_LIMITS, ImportLimits
from .register import get_entry

NO_TEST = N_("Ce test de biais n'existe pas.")
NOT_WAIVABLE = N_("Ce verdict n'est pas à couvrir : seul un verdict « hors des seuils » ou "
                  "« trop peu de données » du test peut recevoir une dérogation.")
OLD_VERSION = N_("Ce test porte sur la version %(version)s ; l'entrée en est à la version "
                 "%(current)s. Une dérogation ne vaut que pour la version en vigueur.")
ALREADY_WAIVED = N_("Ce verdict a déjà reçu une dérogation.")
REASON_NEEDED = N_("Donnez la raison de cette dérogation.")
THRESHOLDS_REASON = N_("Donnez la raison de ces seuils.")
BAD_MIN_COUNT = N_("L'effectif minimal doit être un entier entre 1 et 100 000.")
CONCURRENT = N_("Les seuils viennent d'être changés par un autre membre du comité : "
                "rechargez la page.")


class BiasTestRefused(ServiceError):
    """A file or options that cannot be tested: every problem, the first as the message."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message, **problems[0].params)
        self.problems = problems


@dataclass(frozen=True)
class Upload:
    """What the committee's form says of its prediction file."""

    data: bytes
    file_name: str
    label: str
    prediction: str | None = None
    score: str | None = None
    threshold: str | None = None
    sensitive: tuple[str, ...] = ()
    reference: tuple[str, ...] = ()
    positive: str | None = None
    n_boot: int = N_BOOT
    seed: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


# --- Thresholds ---------------------------------------------------------------------------


def current_thresholds(session: Session, entry_id: int) -> BiasThresholds | None:
    return session.exec(select(BiasThresholds).where(
        BiasThresholds.entry_id == entry_id, BiasThresholds.latest)).first()


def thresholds_of(session: Session, entry_id: int) -> tuple[Thresholds, int]:
    """The thresholds and minimum count the entry's next test uses (the defaults until the
    committee approves its own)."""
    row = current_thresholds(session, entry_id)
    if row is None:
        return Thresholds(), MIN_COUNT
    return Thresholds(row.ratio_min, row.ratio_max, row.max_difference), row.min_count


def approve_thresholds(session: Session, actor: Member, entry_id: int, thresholds: Thresholds,
                       min_count: int, reason: str, signer: Signer) -> BiasThresholds:
    """The committee's thresholds for this entry's next tests; earlier ones stay readable."""
    require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    problems = [Problem(p.message, p.params) for p in thresholds.problems()]
    if isinstance(min_count, bool) or not isinstance(min_count, int) \
            or not 1 <= min_count <= 100_000:
        problems.append(Problem(BAD_MIN_COUNT))
    if not reason.strip():
        problems.append(Problem(THRESHOLDS_REASON))
    if problems:
        raise BiasTestRefused(problems)
    previous = current_thresholds(session, row.id)
    if previous is not None:
        previous.latest = False
        session.add(previous)
        session.flush()
    approved = BiasThresholds(
        entry_id=row.id, ratio_min=thresholds.ratio_min, ratio_max=thresholds.ratio_max,
        max_difference=thresholds.max_difference, min_count=min_count, reason=reason.strip(),
        author_ref=actor.ref)
    session.add(approved)
    try:
        session.flush()
    except IntegrityError as error:  # another approval landed first: the index keeps one
        session.rollback()
        raise ServiceError(CONCURRENT) from error
    audit.record_event(session, events.BiasThresholdsApproved(
        actor=actor.ref, object_id=str(row.id), ratio_min=thresholds.ratio_min,
        ratio_max=thresholds.ratio_max, max_difference=thresholds.max_difference,
        min_count=min_count, reason=reason.strip()))
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return approved


def thresholds_history(session: Session, entry_id: int) -> list[BiasThresholds]:
    return list(session.exec(select(BiasThresholds).where(BiasThresholds.entry_id == entry_id)
                             .order_by(BiasThresholds.created_at.desc(),
                                       BiasThresholds.id.desc())))


# --- Tests --------------------------------------------------------------------------------


def run_upload(session: Session, entry_id: int, upload: Upload,
               limits: ImportLimits = DEFAULT_LIMITS) -> BiasTestResult:
    """Read and test the file under the entry's thresholds; raise BiasTestRefused."""
    thresholds, min_count = thresholds_of(session, entry_id)
    try:
        table = read_table(upload.data, upload.file_name, max_rows=limits.max_rows,
                           max_bytes=limits.max_bytes)
    except FormatError as error:
        raise BiasTestRefused(error.problems) from error
    try:
        predictions = predictions_from_table(
            table.columns, table.rows, table.line_numbers, label=upload.label,
            prediction=upload.prediction, score=upload.score, threshold=upload.threshold,
            sensitive=list(upload.sensitive), positive=upload.positive,
            file_sha256=hashlib.sha256(upload.data).hexdigest())
        return bias_test(predictions, reference=list(upload.reference) or None,
                         thresholds=thresholds, min_count=min_count, n_boot=upload.n_boot,
                         seed=upload.seed,
                         extra_parameters={"file": upload.file_name, **upload.extra})
    except InvalidPredictions as error:
        raise BiasTestRefused([Problem(p.message, p.params) for p in error.problems]) from error


def record_upload(session: Session, actor: Member | None, entry_id: int, upload: Upload,
                  signer: Signer, limits: ImportLimits = DEFAULT_LIMITS) -> BiasTest:
    """Test the committee's file and store the result for the entry's current version.
    ``actor`` None is the command line run by the cooperative's administrator."""
    if actor is not None:
        require_role(actor, COMMITTEE)
    get_entry(session, entry_id)
    result = run_upload(session, entry_id, upload, limits)
    return record_result(session, actor, entry_id, result, signer, file_name=upload.file_name)


def record_result(session: Session, actor: Member | None, entry_id: int,
                  result: BiasTestResult, signer: Signer, *, file_name: str = "") -> BiasTest:
    """Store a computed test (a Python caller's arrays, or an upload) for the current
    version, with its audit event and a signed checkpoint."""
    if actor is not None:
        require_role(actor, COMMITTEE)
    row = get_entry(session, entry_id)
    document = result.to_json()
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    summary = document["summary"]
    test = BiasTest(entry_id=row.id, version=row.current_version, result=text,
                    dataset_sha256=result.dataset_sha256, file_name=file_name[:200],
                    rows=result.rows, passed=summary["pass"], failed=summary["fail"],
                    not_enough_data=summary["not_enough_data"], author_ref=actor_ref(actor))
    session.add(test)
    session.flush()
    audit.record_event(session, events.BiasTestRecorded(
        actor=actor_ref(actor), object_id=str(test.id), entry_id=row.id,
        version=row.current_version, dataset_sha256=result.dataset_sha256,
        result_sha256=hashlib.sha256(text.encode()).hexdigest(), verdicts=summary))
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return test


def get_test(session: Session, test_id: int) -> BiasTest:
    test = session.get(BiasTest, test_id)
    if test is None:
        raise NotFound(NO_TEST)
    return test


def tests_of(session: Session, entry_id: int) -> list[BiasTest]:
    """The entry's tests, the latest first."""
    return list(session.exec(select(BiasTest).where(BiasTest.entry_id == entry_id)
                             .order_by(BiasTest.created_at.desc(), BiasTest.id.desc())))


def waivers_of(session: Session, entry_id: int) -> list[BiasWaiver]:
    return list(session.exec(select(BiasWaiver).where(BiasWaiver.entry_id == entry_id)
                             .order_by(BiasWaiver.created_at, BiasWaiver.id)))


def result_of(test: BiasTest) -> dict[str, Any]:
    return json.loads(test.result)


# --- Waivers ------------------------------------------------------------------------------


def waive(session: Session, actor: Member, test_id: int, metric: str, reason: str,
          signer: Signer) -> BiasWaiver:
    """The committee member accepts one fail or not-enough-data verdict of the test, for the
    entry's current version, with the reason; the member's name is the signature."""
    require_role(actor, COMMITTEE)
    test = get_test(session, test_id)
    row = get_entry(session, test.entry_id)
    verdict = result_of(test)["verdicts"].get(metric)
    if verdict is None or verdict == "pass":
        raise ServiceError(NOT_WAIVABLE)
    if test.version != row.current_version:
        raise ServiceError(OLD_VERSION, version=test.version, current=row.current_version)
    if not reason.strip():
        raise ServiceError(REASON_NEEDED)
    waiver = BiasWaiver(test_id=test.id, entry_id=row.id, version=test.version, metric=metric,
                        reason=reason.strip(), member_id=actor.id,
                        signer_name=actor.display_name[:120], author_ref=actor.ref)
    session.add(waiver)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise ServiceError(ALREADY_WAIVED) from error
    audit.record_event(session, events.BiasWaiverSigned(
        actor=actor.ref, object_id=str(test.id), entry_id=row.id, version=test.version,
        metric=metric, verdict=verdict, reason=reason.strip()))
    audit_log.checkpoint(session, signer, "register")
    session.commit()
    return waiver


# --- What the gate reads ------------------------------------------------------------------


def gate_tests(session: Session, row: RegisterEntry) -> tuple[gate.BiasTest, ...]:
    return tuple(gate.BiasTest(version=t.version, tested_at=t.created_at,
                               verdicts=result_of(t)["verdicts"])
                 for t in reversed(tests_of(session, row.id)))


def gate_waivers(session: Session, row: RegisterEntry) -> tuple[gate.Waiver, ...]:
    """Waivers count for the test they were signed on: those of an earlier test of the same
    version do not cover a new test's verdicts."""
    tests = tests_of(session, row.id)
    latest = {}
    for t in tests:
        latest.setdefault(t.version, t.id)
    return tuple(gate.Waiver(version=w.version, metric=w.metric, reason=w.reason, signed=True)
                 for w in waivers_of(session, row.id) if latest.get(w.version) == w.test_id)


def is_stale(session: Session, row: RegisterEntry, now=None) -> bool:
    return gate.stale(gate_tests(session, row), row.current_version, now or utcnow())
