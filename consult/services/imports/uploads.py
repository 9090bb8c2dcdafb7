"""Files waiting between an upload and its import, in the instance folder's ``imports/``.

They may hold personal data: they are deleted once the import is committed or cancelled, and
after a day in any case (by the next upload, and by the job worker every hour).
"""

import shutil
import time
from pathlib import Path

MAX_AGE_HOURS = 24


def uploads_folder(instance_path: str | Path) -> Path:
    return Path(instance_path) / "imports"


def discard(folder: Path) -> None:
    """Delete one upload's folder (its files and their description)."""
    shutil.rmtree(folder, ignore_errors=True)


def forget_old_uploads(instance_path: str | Path, max_age_hours: int = MAX_AGE_HOURS) -> int:
    """Delete the uploads older than ``max_age_hours``; return how many."""
    root = uploads_folder(instance_path)
    if not root.exists():
        return 0
    limit = time.time() - max_age_hours * 3600
    old = [f for f in root.iterdir() if f.is_dir() and f.stat().st_mtime < limit]
    for folder in old:
        discard(folder)
    return len(old)
