"""Believe the X-Forwarded-* headers of the reverse proxies the administrator names, only.

werkzeug's ProxyFix believes whatever sent the request; behind a proxy that is right, and in
front of the internet it lets anyone choose the address the sign-in limits count. So it applies
only to requests whose peer is in ``PALABRE_TRUSTED_PROXIES``.
"""

from werkzeug.middleware.proxy_fix import ProxyFix


def trusted_addresses(setting: str) -> frozenset[str]:
    """The addresses of ``PALABRE_TRUSTED_PROXIES`` (commas or spaces between them)."""
    return frozenset(part for part in setting.replace(",", " ").split() if part)


class TrustedProxies:
    """WSGI middleware: ProxyFix (one proxy hop) for requests from a trusted address."""

    def __init__(self, app, trusted: frozenset[str]):
        self.app = app
        self.trusted = trusted
        self.fixed = ProxyFix(app, x_for=1, x_proto=1, x_host=1)

    def __call__(self, environ, start_response):
        if environ.get("REMOTE_ADDR") in self.trusted:
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)
