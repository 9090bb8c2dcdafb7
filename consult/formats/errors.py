"""What goes wrong when reading a file, said so that a facilitator can fix it.

Every problem is a French source message marked with `N_` and its values
(a line number, a column name), as in `consult.rules`; the views translate it.
"""

from typing import Any

from consult.rules import N_, Problem

# A facilitator fixes the first mistakes first, and the rest are usually the
# same mistake repeated: listing thousands of them helps nobody.
MAX_PROBLEMS = 20


class FormatError(Exception):
    """A file that cannot be read as it is, with every problem found in it."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(" ".join(p.text() for p in self.problems))


def fail(message: str, **params: Any) -> FormatError:
    """A FormatError with a single problem, to write `raise fail(N_("..."), line=3)`."""
    return FormatError(Problem(message, params))


class ProblemLog:
    """Problems found row after row, so that one upload reports many at once.

    `add` stops the reading with a FormatError at MAX_PROBLEMS problems.
    """

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, message: str, **params: Any) -> None:
        self.problems.append(Problem(message, params))
        if len(self.problems) >= MAX_PROBLEMS:
            stopped = Problem(
                N_("Lecture arrêtée après %(count)s problèmes : corrigez-les puis réessayez."),
                {"count": MAX_PROBLEMS},
            )
            raise FormatError([*self.problems, stopped])

    def raise_if_any(self) -> None:
        if self.problems:
            raise FormatError(self.problems)
