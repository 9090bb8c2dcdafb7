"""`palabre members invite`: a member's invitation from the command line, above all the first
administrator of an empty installation (nobody can sign in yet to invite them from the pages)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from .cli_nlp import CliError

ROLES = ("member", "facilitator", "ethics", "board", "admin")


@click.group("members")
def members_group() -> None:
    """The cooperative's members."""


@members_group.command("invite")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option("--name", "display_name", required=True, help="The name shown to others.")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES), default=("admin",),
              show_default=True, help="A role; repeat for several.")
@click.option("--valid-hours", type=click.IntRange(1, 24 * 30), default=168, show_default=True)
@with_appcontext
def invite(email: str, display_name: str, roles: tuple[str, ...], valid_hours: int) -> None:
    """Invite a member (by default an administrator) and print their invitation link."""
    from .db import get_session
    from .services import ServiceError
    from .services.members import invite_member

    session = get_session()
    if "member" not in roles:
        roles = ("member", *roles)
    try:
        link = invite_member(session, None, email=email, display_name=display_name,
                             college_id=None, roles=roles, valid_hours=valid_hours)
    except ServiceError as error:
        raise CliError(str(error)) from error
    base = (current_app.config.get("PALABRE_BASE_URL") or "").rstrip("/")
    click.echo(f"Invitation de / invitation of {link.member.email} "
               f"({', '.join(roles)}), valable / valid {valid_hours} h :")
    click.echo(f"{base}/invitation/{link.token}")
    if not base:
        click.echo("PALABRE_BASE_URL n'est pas défini : mettez l'adresse du site devant ce "
                   "chemin / PALABRE_BASE_URL is not set: put the site's address before "
                   "this path.")
