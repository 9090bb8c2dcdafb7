"""`palabre api …`: the JSON API's tokens. A token is printed once, when it is made; Palabre
keeps its SHA-256 only."""

import click
from flask.cli import with_appcontext

from .cli_nlp import CliError


@click.group("api")
def api_group() -> None:
    """API JSON en lecture seule / the read-only JSON API (/api/v1)."""


@api_group.group("token")
def token_group() -> None:
    """Jetons d'API des membres / members' API tokens."""


@token_group.command("create")
@click.option("--email", required=True, help="The member's e-mail address.")
@click.option("--name", required=True, help="What the token is for (e.g. « tableau de bord »).")
@with_appcontext
def create(email: str, name: str) -> None:
    """Make a token for a member; it is printed once and cannot be shown again."""
    from .db import get_session
    from .services import Refusal
    from .services.api_tokens import create_token

    try:
        row, token = create_token(get_session(), None, email, name)
    except Refusal as error:
        raise CliError(str(error)) from error
    click.echo(f"Jeton n° {row.id} / token #{row.id} — affiché une seule fois / shown once:",
               err=True)
    click.echo(token)


@token_group.command("revoke")
@click.argument("token_id", type=int)
@with_appcontext
def revoke(token_id: int) -> None:
    """Revoke a token: it is refused from now on."""
    from .db import get_session
    from .services import Refusal
    from .services.api_tokens import revoke_token

    try:
        revoke_token(get_session(), None, token_id)
    except Refusal as error:
        raise CliError(str(error)) from error
    click.echo(f"Jeton n° {token_id} révoqué / token #{token_id} revoked.")


@token_group.command("list")
@with_appcontext
def list_tokens() -> None:
    """Every token: id, member, name, made, last used, revoked (never the token itself)."""
    from .db import get_session
    from .services.api_tokens import tokens

    def shown(moment):
        return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"

    for row, member in tokens(get_session()):
        click.echo("\t".join([str(row.id), member.display_name, row.name, shown(row.created_at),
                              shown(row.last_used_at), shown(row.revoked_at)]))
