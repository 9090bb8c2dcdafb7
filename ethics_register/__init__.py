"""The ethics committee's register: its pure core (issue 12).

What goes here, and only here: the bias metrics computed on a model's predictions by group (on
fairlearn's MetricFrame), the deployment-gate rules (no model deployed without a recent bias test
and a favourable opinion, each refusal with its reason), the Merkle log over the audit events'
leaf hashes (RFC 6962 inclusion and consistency proofs) and the signing of its checkpoints
(Ed25519). Plain values in, plain values out: like ``nlp``, this package never imports Flask,
``consult`` or a database library (tests/unit/test_architecture.py checks it). The register's
tables live in ``consult/models.py``, its use cases in ``consult/services/``, its pages in
``consult/views/`` (docs/architecture.md).
"""

from . import entry, gate
from .checkpoint import (
    Checkpoint,
    CheckpointError,
    Signer,
    Verifier,
    sign_checkpoint,
    verify_checkpoint,
)
from .history import LogReport, Problem, StoredEvent, check_log, check_proof
from .merkle import (
    EMPTY_ROOT,
    ProofError,
    RightEdge,
    consistency_proof,
    inclusion_proof,
    root,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "entry",
    "gate",
    "EMPTY_ROOT",
    "Checkpoint",
    "LogReport",
    "Problem",
    "StoredEvent",
    "check_log",
    "check_proof",
    "CheckpointError",
    "ProofError",
    "RightEdge",
    "Signer",
    "Verifier",
    "consistency_proof",
    "inclusion_proof",
    "root",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_consistency",
    "verify_inclusion",
]

# The college check and the energy measure of Palabre's own analysis (issue 12). The college
# check judges with the bias test's rules, and ethics_register.bias loads fairlearn, pandas and
# scikit-learn (0.7 s): its names are loaded on first use, so that importing the register (every
# page, every command) does not pay for it.
from .energy import EXPLANATIONS as ENERGY_EXPLANATIONS  # noqa: E402
from .energy import Energy, measure_energy  # noqa: E402

_COLLEGE_CHECK = ("CHECK_METRICS", "CheckRow", "CollegeCheck", "Verbatim", "check_colleges")
# The bias test itself, for a Python caller: likewise loaded on first use.
_BIAS = ("BiasTestResult", "Thresholds", "bias_test")
_PREDICTIONS = ("InvalidPredictions", "predictions_from_arrays", "predictions_from_table")
__all__ += ["ENERGY_EXPLANATIONS", "Energy", "measure_energy", *_COLLEGE_CHECK, *_BIAS,
            *_PREDICTIONS]


def __getattr__(name: str):
    if name in _COLLEGE_CHECK:
        from . import college_check

        return getattr(college_check, name)
    if name in _BIAS:
        from . import bias

        return getattr(bias, name)
    if name in _PREDICTIONS:
        from . import predictions, problems

        return getattr(problems if name == "InvalidPredictions" else predictions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
