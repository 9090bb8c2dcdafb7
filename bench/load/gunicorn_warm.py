"""gunicorn settings of the load test's warm runs: each worker loads the redaction model
(spaCy) before it takes its first request, instead of during the first contribution it is
sent. Without it (`run.py --cold`, or deploy/systemd/palabre-web.service as it is), each worker
spends seconds of CPU on that load under traffic, and the requests queued behind it wait."""


def post_worker_init(worker):
    from consult.redaction import redact

    redact("Bonjour.")
    worker.log.info("redaction model loaded")
