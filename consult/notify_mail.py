"""The notifications' e-mails leave once their transaction has committed.

``consult.services.notifications.notify`` puts each e-mail to send in its session's outbox
(``session.info``): services never enqueue a job. Here, outside the services, two listeners on
every Session empty that outbox: after a commit they write each mail and hand it to the job
queue (``consult.jobs.send_mail``), when mail is configured; after a rollback they drop it, as
the notifications it announced are gone too. Imported by ``consult.jobs``, so every process that
has the queue (the web app, the CLI, the worker) has the listeners.
"""

import logging

from sqlalchemy import event
from sqlmodel import Session

from .mail import mail_configured
from .services.notifications import OUTBOX, mail_for

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_commit")
def _send_outbox(session: Session) -> None:
    pending = session.info.pop(OUTBOX, None)
    if not pending:
        return
    from . import jobs  # jobs imports this module: the queue is read when a mail leaves

    for mail in pending:
        settings = mail.settings if mail.settings is not None else jobs._settings
        if not mail_configured(settings):
            continue
        subject, body = mail_for(mail, settings)
        try:
            jobs.send_mail(mail.to, subject, body)
        except Exception:  # the notification is committed; an unreachable queue loses the mail
            log.exception("could not queue a notification e-mail (%s)", mail.kind)


@event.listens_for(Session, "after_soft_rollback")
def _drop_outbox(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(OUTBOX, None)
