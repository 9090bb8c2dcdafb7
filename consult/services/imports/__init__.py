"""Imports: contributions gathered on paper or in another tool (CSV/XLSX, Polis, Decidim).

Every import first builds a preview: the rows it would add and every problem with its line
number, kept as :class:`~consult.rules.Problem` so that the page translates them. A dry run stops
there. A real import adds everything in one transaction, or nothing when any row has a problem.
:func:`import_source` is the one entry point, for the web and the CLI alike; one module per
source reads it (``table``, ``polis``, ``decidim``), and ``bulk`` adds the rows.
"""

from .bulk import BulkSummary, NewContribution, NewVote, add_in_bulk
from .decidim import import_decidim
from .polis import import_polis
from .report import (
    FIELDS,
    ImportLimits,
    ImportRefused,
    ImportReport,
    PreviewRow,
    Target,
)
from .source import KINDS, accepts, detect_kind, import_source
from .table import import_table

__all__ = [
    "FIELDS",
    "KINDS",
    "BulkSummary",
    "ImportLimits",
    "ImportRefused",
    "ImportReport",
    "NewContribution",
    "NewVote",
    "PreviewRow",
    "Target",
    "accepts",
    "add_in_bulk",
    "detect_kind",
    "import_decidim",
    "import_polis",
    "import_source",
    "import_table",
]
