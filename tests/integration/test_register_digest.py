"""The committee's weekly digest: a deployed model whose bias test went stale, one never tested,
one soon stale and an entry waiting for an opinion are named; it goes by mail to the committee's
members only, through the job queue and a real SMTP server; nothing to report, nothing sent."""

from datetime import timedelta

from consult import jobs
from consult.cli import cli
from consult.models import utcnow
from consult.services import bias_tests, register
from consult.services.audit_log import signer_for
from tests.integration.test_bias_tests import upload
from tests.integration.test_jobs import mail_app, sink  # noqa: F401  (the fixture)
from tests.unit.test_entry import complete


def entries_to_report(app):
    from consult.db import get_session
    from consult.services.members import find_by_email

    with app.app_context():
        db, signer = get_session(), signer_for(app.config)
        ethics = find_by_email(db, "ethique@coop.example")

        def approved(name):
            row = register.create_entry(db, ethics, complete(name=name), signer)
            register.change_status(db, ethics, row.id, "in_review", "complet", signer)
            register.change_status(db, ethics, row.id, "approved", "lu", signer)
            return row

        old, soon = approved("Tri ancien"), approved("Tri bientôt")
        approved("Tri jamais testé")
        for row, age in ((old, 200), (soon, 170)):
            test = bias_tests.record_upload(db, ethics, row.id, upload(), signer)
            test.created_at = utcnow() - timedelta(days=age)
            db.add(test)
        fresh = approved("Tri récent")
        bias_tests.record_upload(db, ethics, fresh.id, upload(), signer)
        waiting = register.create_entry(db, ethics, complete(name="Résumé automatique"), signer)
        register.change_status(db, ethics, waiting.id, "in_review", "complet", signer)
        db.commit()


def test_the_digest_names_what_needs_the_committee_and_mails_it(make_app, sink, people):  # noqa: F811
    app = mail_app(make_app, sink)
    people.add("ethique@coop.example", roles=("ethics",))
    people.add("admin@coop.example", roles=("admin",))
    people.add("membre@coop.example")
    entries_to_report(app)
    assert jobs.weekly_register_digest.call_local() == 1
    [(_sender, recipients, message)] = sink.messages
    assert recipients == ["ethique@coop.example"]
    body = message.get_content()
    stale, soon = body.split("sera périmé dans")[0], body.split("sera périmé dans")[1]
    assert "Tri ancien" in stale and "Tri jamais testé" in stale and "aucun test" in stale
    assert "Tri bientôt" in soon.split("En revue")[0] and "Tri bientôt" not in stale
    assert "Tri récent" not in body
    assert "Résumé automatique" in body.split("En revue")[1]
    assert "https://coop.example/registre/" in body
    result = app.test_cli_runner().invoke(cli, ["register", "digest"])
    assert result.exit_code == 0 and "Tri ancien" in result.output
    assert len(sink.messages) == 1  # printing sends nothing


def test_nothing_to_report_sends_nothing(make_app, sink, people):  # noqa: F811
    app = mail_app(make_app, sink)
    people.add("ethique@coop.example", roles=("ethics",))
    assert jobs.weekly_register_digest.call_local() == 0
    assert sink.messages == []
    result = app.test_cli_runner().invoke(cli, ["register", "digest", "--send"])
    assert result.exit_code == 0 and "Rien à signaler" in result.output
