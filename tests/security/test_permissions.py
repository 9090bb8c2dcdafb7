"""The permission table (tests/security/permissions.py) names every route of the app and no
other, and docs/permissions.md is the table as it stands."""

from tests.security.permissions import DOC, ROUTES, app_rules, markdown


def test_every_route_has_an_entry_and_every_entry_a_route(app):
    routes = {rule for rule, _ in app_rules(app)}
    assert sorted(routes - ROUTES.keys()) == [], "add these routes to tests/security/permissions.py"
    assert sorted(ROUTES.keys() - routes) == [], "these routes are gone: remove their entries"


def test_the_permissions_page_is_the_table_as_it_stands(app):
    assert DOC.read_text(encoding="utf-8") == markdown(app), "run `make docs-permissions`"
