"""Who may use each route: the one table that docs/permissions.md is generated from and that
tests/integration/test_access.py checks against the app, role by role.

Every rule of ``app.url_map`` has exactly one entry here (tests/security/test_permissions.py
fails on a route without one, and on an entry whose route is gone). Rewrite the page after a
change with ``make docs-permissions`` (``python -m tests.security.permissions``).
"""

import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SIGNED_IN = ("member", "facilitator", "ethics", "board", "admin")
# The columns of the table. "deactivated": a member whose account an administrator deactivated
# while they were signed in; their session no longer counts, so they are treated as a visitor.
ROLES = ("anonymous", *SIGNED_IN, "deactivated")
API = "/api/v1"
DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


@dataclass(frozen=True)
class Access:
    """Who a route answers: ``roles`` among ROLES; ``note`` says more in the table."""

    roles: frozenset[str]
    note: str = ""


def _of(*roles: str, note: str = "") -> Access:
    return Access(frozenset(roles), note)


PUBLIC = _of(*ROLES)  # anyone, signed in or not
MEMBERS = _of(*SIGNED_IN)  # any signed-in member, whatever their roles
FACILITATION = _of("facilitator", "admin")
COMMITTEE = _of("ethics", "admin")
BOARD = _of("board", "admin")
ADMINISTRATION = _of("admin")
# In the tests' world the contribution's author is "member".
AUTHOR = _of("member", note="its author only")

ROUTES: dict[str, Access] = {
    # Signing in and out, links sent by e-mail, the language, files the pages load.
    "/login": PUBLIC,
    "/logout": PUBLIC,
    "/password/forgot": PUBLIC,
    "/password/reset/<token>": _of(*ROLES, note="a valid single-use link"),
    "/invitation/<token>": _of(*ROLES, note="a valid single-use link"),
    "/language/<code>": PUBLIC,
    "/health": PUBLIC,
    "/static/<path:filename>": PUBLIC,
    # The public face: the audit log, its checkpoint and key, the public register of AI models.
    "/journal": PUBLIC,
    "/journal/checkpoint.txt": PUBLIC,
    "/journal/key.pub": PUBLIC,
    "/journal/preuves/<int:index>.json": COMMITTEE,
    "/ia": PUBLIC,
    "/ia/<int:entry_id>/fiche.json": _of(*ROLES, note="entries the public register shows"),
    "/ia/<int:entry_id>/fiche.pdf": _of(*ROLES, note="entries the public register shows"),
    # A member's own pages.
    "/": MEMBERS,
    "/account/": MEMBERS,
    "/account/data": MEMBERS,
    "/account/erase": MEMBERS,
    "/notifications/": MEMBERS,
    "/notifications/<int:notification_id>": _of(*SIGNED_IN, note="their own notifications"),
    "/notifications/lues": MEMBERS,
    "/notifications/reglages": MEMBERS,
    # Consultations, as members answer them (a consultation of another college: 404).
    "/consultations/": MEMBERS,
    "/consultations/<int:consultation_id>": MEMBERS,
    "/consultations/<int:consultation_id>/consent": MEMBERS,
    "/consultations/<int:consultation_id>/contribute": MEMBERS,
    "/consultations/<int:consultation_id>/synthese": MEMBERS,
    "/consultations/<int:consultation_id>/synthese.<any(pdf,csv,json):fmt>": MEMBERS,
    "/consultations/<int:consultation_id>/vote": MEMBERS,
    "/consultations/contributions/<int:contribution_id>/edit": AUTHOR,
    "/consultations/contributions/<int:contribution_id>/withdraw": AUTHOR,
    "/consultations/contributions/<int:contribution_id>/report": MEMBERS,
    "/consultations/contributions/<int:contribution_id>/vote": MEMBERS,
    # Proposals of AI projects and their path.
    "/proposals/": MEMBERS,
    "/proposals/new": MEMBERS,
    "/proposals/<int:proposal_id>": MEMBERS,
    "/proposals/<int:proposal_id>/etape": MEMBERS,
    "/proposals/<int:proposal_id>/preuves.json": MEMBERS,
    "/proposals/<int:proposal_id>/support": MEMBERS,
    "/proposals/<int:proposal_id>/tracabilite": MEMBERS,
    # The AI charter: read by members, drafted by the board.
    "/charte": MEMBERS,
    "/charte.pdf": MEMBERS,
    "/charte/versions": MEMBERS,
    "/charte/versions/<int:version_id>": MEMBERS,
    "/charte/versions/<int:version_id>.pdf": MEMBERS,
    "/charte/projets/nouveau": BOARD,
    "/charte/projets/<int:version_id>/modifier": BOARD,
    "/charte/projets/<int:version_id>/consultation": BOARD,
    "/charte/projets/<int:version_id>/retrait": BOARD,
    # Votes on motions, as members cast them.
    "/votes": MEMBERS,
    "/votes/<int:motion_id>": MEMBERS,
    "/votes/<int:motion_id>/voter": MEMBERS,
    "/votes/<int:motion_id>/voter/<int:for_member>": _of(*SIGNED_IN,
                                                         note="for someone else: their proxy"),
    "/votes/<int:motion_id>/pouvoir": MEMBERS,
    "/votes/<int:motion_id>/pouvoir/retirer": MEMBERS,
    "/votes/<int:motion_id>/recu": MEMBERS,
    "/votes/<int:motion_id>/recu/preuve.json": MEMBERS,
    "/votes/<int:motion_id>/verifier": MEMBERS,
    "/votes/<int:motion_id>/pv": MEMBERS,
    "/votes/<int:motion_id>/pv.pdf": MEMBERS,
    # The board's pages.
    "/conseil": BOARD,
    "/conseil/motions/nouvelle": BOARD,
    "/conseil/motions/<int:motion_id>": BOARD,
    "/conseil/motions/<int:motion_id>/annuler": BOARD,
    "/conseil/motions/<int:motion_id>/cloturer": BOARD,
    "/conseil/motions/<int:motion_id>/decision": BOARD,
    "/conseil/motions/<int:motion_id>/pv": BOARD,
    "/conseil/motions/<int:motion_id>/pv.pdf": BOARD,
    "/conseil/motions/<int:motion_id>/pv/signer": BOARD,
    # The register of AI models, kept by the ethics committee.
    "/registre": COMMITTEE,
    "/registre/nouvelle": COMMITTEE,
    "/registre/<int:entry_id>": COMMITTEE,
    "/registre/<int:entry_id>/avis": COMMITTEE,
    "/registre/<int:entry_id>/etat": COMMITTEE,
    "/registre/<int:entry_id>/fiche.json": COMMITTEE,
    "/registre/<int:entry_id>/fiche.pdf": COMMITTEE,
    "/registre/<int:entry_id>/modifier": COMMITTEE,
    "/registre/<int:entry_id>/seuils": COMMITTEE,
    "/registre/<int:entry_id>/tests/nouveau": COMMITTEE,
    "/registre/avis/<int:review_id>/signer": COMMITTEE,
    "/registre/tests/<int:test_id>": COMMITTEE,
    "/registre/tests/<int:test_id>.json": COMMITTEE,
    "/registre/tests/<int:test_id>/derogation": COMMITTEE,
    # Running consultations: the facilitation team.
    "/facilitate/consultations": FACILITATION,
    "/facilitate/consultations/new": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/edit": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/status/<target>": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/export": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/participation": FACILITATION,
    "/facilitate/contributions/<int:contribution_id>/<any(hide, restore):action>": FACILITATION,
    "/facilitate/import": FACILITATION,
    "/facilitate/import/<token>": FACILITATION,
    "/facilitate/import/<token>/cancel": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis/<int:run_id>/cancel": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis/<int:run_id>/progress.json":
        FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis/compare": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis/runs": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/analysis/runs/<int:run_id>": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/synthesis": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/synthesis/draft.<any(pdf,html,csv,json):fmt>":
        FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/synthesis/publish": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/merge": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/move": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/rename": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/review": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/split": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/<int:theme_id>/summary": FACILITATION,
    "/facilitate/consultations/<int:consultation_id>/themes/edits/<int:edit_id>/undo":
        FACILITATION,
    # The cooperative's administration.
    "/admin/members": ADMINISTRATION,
    "/admin/members/invite": ADMINISTRATION,
    "/admin/members/<int:member_id>": ADMINISTRATION,
    "/admin/members/<int:member_id>/<any(deactivate, reactivate):action>": ADMINISTRATION,
    "/admin/members/<int:member_id>/link": ADMINISTRATION,
    "/admin/colleges": ADMINISTRATION,
    "/admin/colleges/new": ADMINISTRATION,
    "/admin/colleges/<int:college_id>": ADMINISTRATION,
    "/admin/cooperative": ADMINISTRATION,
    # The read-only JSON API: the columns are the tokens presented (none for "anonymous").
    "/api/v1/openapi.json": PUBLIC,
    "/api/v1/register": PUBLIC,
    "/api/v1/checkpoint": PUBLIC,
    "/api/v1/consultations": MEMBERS,
    "/api/v1/consultations/<int:consultation_id>": MEMBERS,
    "/api/v1/consultations/<int:consultation_id>/synthesis": MEMBERS,
    "/api/v1/charter": MEMBERS,
    "/api/v1/decisions": MEMBERS,
    "/api/v1/decisions/<int:motion_id>": MEMBERS,
    "/api/v1/proofs/<int:index>": COMMITTEE,
}

AUTHOR_ONLY = frozenset(rule for rule, access in ROUTES.items() if access is AUTHOR)


def allowed_roles(rule: str) -> set[str]:
    """The signed-in roles (of SIGNED_IN) that may use ``rule``."""
    return set(ROUTES[rule].roles) & set(SIGNED_IN)


def is_public(rule: str) -> bool:
    return "anonymous" in ROUTES[rule].roles


def app_rules(app) -> list[tuple[str, tuple[str, ...]]]:
    """Each rule of the app with its methods (HEAD and OPTIONS aside), in the table's order."""
    methods: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods.setdefault(rule.rule, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return sorted((rule, tuple(sorted(m))) for rule, m in methods.items())


INTRO = """\
# Who may use each page

Generated by `make docs-permissions` from the application's routes and the permission table of
`tests/security/permissions.py`; `tests/integration/test_access.py` signs in as each role and
checks every route against this page, and `tests/security/test_permissions.py` fails when a route
has no row here or a row names a route that no longer exists.

Columns: *anonymous* is a visitor who is not signed in; *member*, *facilitator*, *ethics*, *board*
and *admin* a signed-in member holding that role (every member holds *member*; the others hold
only the role named and *member*); *deactivated* a member whose account was deactivated while they
were signed in.

What "no" means:

- **not signed in** (anonymous, deactivated): a page redirects to the sign-in page
  (`/login?next=…`), which brings the person back after signing in. A deactivated member's session
  ends at their next request, whatever cookie they keep, and signing in again is refused with a
  message telling them to contact the administration.
- **signed in without the role**: `403`, the "access refused" page.
- **an object the person may not see** (a consultation of another college, someone else's
  notification or contribution, a theme under another consultation's address): `404` or `403`,
  and nothing is changed; `tests/security/test_idor.py` tries each kind.
- **the JSON API** (`/api/v1`) reads no session cookie: its columns are the bearer token
  presented (none for *anonymous*; a deactivated member's token stops working). Without a valid
  token: `401` with `{"error": "unauthorized"}`, never a redirect; with a token of a member
  without the role: `403` in JSON.

"yes" means the request reaches the page: it may still answer `404` for an object that does not
exist or a form's own errors. POST routes also need the form's CSRF token (`400` without it).

"""


def markdown(app) -> str:
    """docs/permissions.md for ``app``'s routes; a route missing from ROUTES raises KeyError."""
    header = "| Route | Methods | " + " | ".join(ROLES) + " | Note |"
    lines = [INTRO.rstrip("\n"), "", header, "|" + " --- |" * (len(ROLES) + 3)]
    for rule, methods in app_rules(app):
        access = ROUTES[rule]
        cells = ["yes" if role in access.roles else "no" for role in ROLES]
        path = rule.replace("|", "\\|")
        lines.append(f"| `{path}` | {', '.join(methods)} | " + " | ".join(cells)
                     + f" | {access.note} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from consult import create_app

    with tempfile.TemporaryDirectory(prefix="palabre-permissions-") as folder:
        app = create_app({"INSTANCE_PATH": folder,  # an app only to read its routes
                          "PALABRE_DATABASE_URL": f"sqlite:///{folder}/unused.sqlite3",
                          "PALABRE_SECRET_KEY": "only-to-list-routes-" + "x" * 32})
        app.extensions["palabre_engine"].dispose()
    missing = [rule for rule, _ in app_rules(app) if rule not in ROUTES]
    if missing:
        print("Routes without an entry in tests/security/permissions.py:", *missing,
              sep="\n  ", file=sys.stderr)
        return 1
    DOC.write_text(markdown(app), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
