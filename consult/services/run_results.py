"""A done analysis run's result, parsed once per process for the last runs read.

A run's result is its whole document (themes, coordinates, verdicts, opinion groups): 2 MB of
JSON at 10,000 verbatims, about 40 ms to parse, and every page of the explorer, the analysis
and the draft synthesis reads it. A done run never changes (``analysis.run_analysis`` never
overwrites one), so its parsed document can be kept: the pages read it and never change it.
"""

import json
from collections import OrderedDict

from ..models import AnalysisRun

_parsed: OrderedDict = OrderedDict()
_KEPT = 2  # documents: tens of megabytes each once parsed, at 10,000 verbatims


def result_of(run: AnalysisRun) -> dict:
    """``run.result`` parsed ({} when it has none); shared between callers once the run is
    done: read it, never change it."""
    if not run.result:
        return {}
    if run.status != "done":
        return json.loads(run.result)
    # The id and the moment it ended tell the run from one of the same id in another database.
    key = (run.id, run.finished_at, run.input_sha256, len(run.result))
    document = _parsed.get(key)
    if document is None:
        document = _parsed[key] = json.loads(run.result)
        while len(_parsed) > _KEPT:
            _parsed.popitem(last=False)
    else:
        _parsed.move_to_end(key)
    return document
