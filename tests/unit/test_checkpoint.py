"""Signed checkpoints (ethics_register/checkpoint.py): the C2SP signed-note format, byte for byte
as Go's golang.org/x/mod/sumdb/note writes it, and tlog-checkpoint bodies."""

import pytest

from ethics_register.checkpoint import (
    Checkpoint,
    CheckpointError,
    Signer,
    Verifier,
    sign_checkpoint,
    verify_checkpoint,
)
from ethics_register.merkle import leaf_hash, root

# The example of golang.org/x/mod/sumdb/note's documentation (data, not code): Ed25519 is
# deterministic, so signing the same text with the same key must give exactly this note.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = (GO_TEXT + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFY"
           "C2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_keys_and_signatures_match_the_reference_implementation_byte_for_byte():
    signer = Signer.from_key(GO_SIGNER)
    assert signer.key() == GO_SIGNER
    assert signer.verifier().key() == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert Verifier.from_key(GO_VERIFIER).open(GO_NOTE) == GO_TEXT


def test_a_checkpoint_signed_here_verifies_with_the_public_key_alone():
    signer = Signer.generate("palabre.example/audit")
    tree = [leaf_hash(str(i).encode()) for i in range(7)]
    checkpoint = Checkpoint("palabre.example/audit", 7, root(tree))
    note = sign_checkpoint(checkpoint, signer)
    lines = note.split("\n")
    assert lines[:3] == ["palabre.example/audit", "7", checkpoint.text().split("\n")[2]]
    assert lines[3] == "" and lines[4].startswith("— palabre.example/audit ")
    public = Verifier.from_key(signer.verifier().key())  # what a member keeps: one line
    assert verify_checkpoint(note, public) == checkpoint


@pytest.mark.parametrize("tamper", [
    lambda note: note.replace("\n7\n", "\n8\n"),  # another size
    lambda note: note.replace("palabre.example/audit\n", "autre.example/audit\n", 1),
    lambda note: note[:-10] + ("A" if note[-10] != "A" else "B") + note[-9:],  # the signature
    lambda note: note.split("\n\n")[0] + "\n",  # no signature at all
])
def test_a_changed_checkpoint_or_signature_is_refused(tamper):
    signer = Signer.generate("palabre.example/audit")
    note = sign_checkpoint(Checkpoint("palabre.example/audit", 7, bytes(32)), signer)
    with pytest.raises(CheckpointError):
        verify_checkpoint(tamper(note), signer.verifier())


def test_someone_elses_key_does_not_verify():
    note = sign_checkpoint(Checkpoint("log", 1, bytes(32)), Signer.generate("log"))
    with pytest.raises(CheckpointError, match="no signature by log"):
        verify_checkpoint(note, Signer.generate("log").verifier())


@pytest.mark.parametrize("key", [
    "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong hash
    "PeterNeumann+c74f20a3+ApRc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # wrong algorithm
    "PeterNeumann+c74f20a3",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
])
def test_malformed_keys_are_refused(key):
    with pytest.raises(CheckpointError):
        Verifier.from_key(key)


@pytest.mark.parametrize("body", ["log\n07\n" + "A" * 43 + "=\n", "log\nx\n\n", "log\n1\nAAAA\n"])
def test_malformed_checkpoints_are_refused(body):
    with pytest.raises(CheckpointError):
        Checkpoint.parse(body)
