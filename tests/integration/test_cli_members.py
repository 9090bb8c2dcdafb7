"""`palabre members invite`: the first administrator of an empty installation signs in."""

import re

from sqlmodel import select

from consult.cli import cli
from consult.db import get_session
from consult.models import AuditEvent, Member
from tests.helpers import Browser

PASSWORD = "une phrase de passe assez longue"


def invite(app, *args):
    return app.test_cli_runner().invoke(cli, ["members", "invite", *args])


def test_the_printed_link_lets_the_first_administrator_in(app):
    result = invite(app, "--email", "Ada@Example.org", "--name", "Ada Admin")
    assert result.exit_code == 0, result.output
    path = re.search(r"^(?:https?://[^/\s]+)?(/invitation/\S+)$", result.output, re.M).group(1)
    with app.app_context():
        db = get_session()
        [member] = db.exec(select(Member)).all()
        assert member.email == "ada@example.org"
        assert set(member.roles) == {"member", "admin"}
        assert "MemberInvited" in [e.event_type for e in db.exec(select(AuditEvent))]
    browser = Browser(app.test_client())
    response = browser.form_post(path, {"password": PASSWORD, "confirmation": PASSWORD})
    assert response.status_code == 302  # signed in, with the password chosen
    assert browser.client.get("/admin/members").status_code == 200
    fresh = Browser(app.test_client())
    assert fresh.login("ada@example.org", PASSWORD).status_code == 302


def test_a_taken_address_or_a_bad_one_is_refused_on_one_line(app):
    assert invite(app, "--email", "ada@example.org", "--name", "Ada").exit_code == 0
    again = invite(app, "--email", "ada@example.org", "--name", "Ada")
    assert again.exit_code == 2 and "ada@example.org" in again.output
    bad = invite(app, "--email", "pas-une-adresse", "--name", "X")
    assert bad.exit_code == 2 and "invalide" in bad.output
    with app.app_context():
        assert len(get_session().exec(select(Member)).all()) == 1
