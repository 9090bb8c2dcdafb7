"""Reports: HTML rendered by a template from ready values, then printed to PDF by WeasyPrint.

WeasyPrint never goes to the network, nor reads a file outside the app's static folder: every
resource it asks for (a stylesheet, an image, a font) goes through :class:`StaticFetcher`, which
serves the files of ``consult/static`` and refuses anything else — a web address, another file
of the server, a ``data:`` address. A report's template links its stylesheet by the file's name
(``<link rel="stylesheet" href="print.css">``): relative addresses resolve in the static folder.
Members' words reach the HTML through Jinja's escaping, so a text holding ``<img src=…>`` is
printed as text; and if markup ever slipped through, the fetcher would still refuse its
addresses.

WeasyPrint is imported when a report is printed, not with the app: a server without pango
still serves every page but the PDFs.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

STATIC = Path(__file__).resolve().parent / "static"
PRINT_STYLESHEET = "print.css"

logger = logging.getLogger(__name__)


class ResourceRefused(ValueError):
    """A resource a report asked for that is not one of the app's static files."""


def static_path(url: str, root: Path = STATIC) -> Path | None:
    """The file of ``root`` that ``url`` names (a ``file:`` address), or None for any other
    address: another scheme, another host, a path leaving the folder (``..``, a link), a folder
    or a file that does not exist."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(url2pathname(unquote(parts.path))).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    root = root.resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


class StaticFetcher:
    """WeasyPrint's ``url_fetcher``: the app's static files, nothing else. ``asked`` keeps
    every address asked for, refused or not (for the tests and the logs)."""

    def __init__(self, root: Path = STATIC) -> None:
        self.root = root
        self.asked: list[str] = []

    def __call__(self, url: str):
        from weasyprint.urls import URLFetcherResponse

        self.asked.append(url)
        path = static_path(url, self.root)
        if path is None:
            logger.warning("report: resource refused: %.200s", url)
            raise ResourceRefused(f"not a static file of the app: {url[:200]}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(),
                                  {"Content-Type": mime_type})


def base_url(root: Path = STATIC) -> str:
    """The address relative links resolve against: the static folder."""
    return root.as_uri() + "/"


def pdf_from_html(html: str, *, fetcher: StaticFetcher | None = None,
                  root: Path = STATIC) -> bytes:
    """The PDF of a report's HTML (a whole document, its stylesheet linked by file name)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url(root),
                    url_fetcher=as_url_fetcher(fetcher or StaticFetcher(root)))
    return document.write_pdf()


def as_url_fetcher(fetcher: StaticFetcher):
    """``fetcher`` as WeasyPrint 70 takes one: a ``URLFetcher`` whose ``fetch`` it calls (it
    reads the class's settings when a fetch fails, which a bare callable lacks)."""
    from weasyprint.urls import URLFetcher

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            return fetcher(url)

    return Fetcher()
