"""The security suite's objects: test_access.py's `world` (every role, an object of each kind)."""

from tests.integration.test_access import world  # noqa: F401  (a fixture, found by its name)
