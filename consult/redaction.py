"""The app's one Redactor: the spaCy model loads once per process, on first use."""

from functools import lru_cache


@lru_cache(maxsize=1)
def redactor():
    from nlp.redaction import Redactor

    return Redactor()


def redact(text: str):
    return redactor().redact(text)


def redact_many(texts: list[str]):
    return redactor().redact_many(texts)
