"""The security suite's objects: test_access.py's `world` (every role, an object of each kind),
and the demo's closed consultation, analysed, for the tests that write into its themes."""

from dataclasses import dataclass

import pytest
from sqlmodel import select

from tests.integration.test_access import world  # noqa: F401  (a fixture, found by its name)


@dataclass(frozen=True)
class AnalysedDemo:
    consultation_id: int
    admin_email: str
    password: str


@pytest.fixture
def analysed_demo(app) -> AnalysedDemo:
    """The demo loaded and its closed consultation analysed (fast mode: spaCy, a few seconds)."""
    from consult.db import get_session
    from consult.demo import load_demo
    from consult.models import Consultation
    from consult.services.analysis import analyse_now

    with app.app_context():
        db = get_session()
        loaded = load_demo(db, app.instance_path, "test-key")
        cid = db.exec(select(Consultation).where(Consultation.status == "closed")).first().id
        analyse_now(db, None, cid, mode="fast")
        return AnalysedDemo(cid, loaded.admin_email, loaded.password)
