"""Read the Polis math fixtures in ../shared/data/polis/polis-math-fixtures (Polis API format).

Two key spellings occur: participant_id / statement_id / moderated, and Polis's pid / tid / mod.
"""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Fixture:
    name: str
    votes: list[tuple[int, int, int]]  # (participant, comment, vote) by time, 1 = agree
    times: list[float]  # each vote's last change, in seconds
    comment_ids: list[int]
    moderated_out: list[int]  # what Polis's math set aside: its mod-out (rejected and meta)
    math: dict  # math-pca2.json as Polis computed it

    def polis_groups(self) -> dict[int, int]:
        """participant → Polis's group id, through the base clusters."""
        base = self.math["base-clusters"]
        base_members = dict(zip(base["id"], base["members"], strict=True))
        return {
            participant: group["id"]
            for group in self.math["group-clusters"]
            for base_id in group["members"]
            for participant in base_members[base_id]
        }


def _key(row: dict, *names: str):
    for name in names:
        if name in row:
            return row[name]
    raise KeyError(names)


def load_fixture(folder: Path) -> Fixture:
    votes = json.loads((folder / "votes.json").read_text())
    math = json.loads((folder / "math-pca2.json").read_text())
    ordered = sorted(votes, key=lambda row: float(row["modified"]))
    return Fixture(
        name=folder.name,
        votes=[
            (int(_key(row, "participant_id", "pid")), int(_key(row, "statement_id", "tid")),
             int(row["vote"]))
            for row in ordered
        ],
        times=[float(row["modified"]) / 1000 for row in ordered],
        comment_ids=list(math["tids"]),
        moderated_out=list(math["mod-out"]),
        math=math,
    )


def fixture_folders(root: Path) -> list[Path]:
    return sorted(path for path in root.iterdir() if (path / "math-pca2.json").is_file())
