"""gunicorn settings for production (``gunicorn --config python:consult.gunicorn_conf``).

Each worker loads the redaction model (spaCy, a few seconds of CPU) as it starts, before it
takes a request. Left to the first contribution a worker receives, that load happens under
traffic and the requests queued behind it wait: in bench/load, a contribution's p99 went from
about 7 s to about 1 s once the workers were warmed (docs/benchmarks.md, "Load").
"""


def post_worker_init(worker):
    from consult.redaction import redact

    redact("Bonjour.")
    worker.log.info("redaction model loaded")
