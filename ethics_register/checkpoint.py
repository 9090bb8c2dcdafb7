"""Signed checkpoints of the log: C2SP `tlog-checkpoint` bodies in C2SP `signed-note`s (Ed25519).

A checkpoint says "the log named ORIGIN had SIZE events and this root":

    ORIGIN\\n
    SIZE\\n
    base64(ROOT)\\n

It is signed as a note: the text, an empty line, then one line per signature,
"— NAME base64(key hash ‖ signature)", where the key hash is the first four bytes of
SHA-256(NAME ‖ 0x0A ‖ 0x01 ‖ public key) and 0x01 says Ed25519. Keys are written as verifier and
signer keys ("NAME+HASH+base64(0x01 ‖ key)", "PRIVATE+KEY+NAME+HASH+…"), so that Go's
golang.org/x/mod/sumdb/note, and every verifier of the format, accepts what Palabre signs; the
tests check the format against that package's documented example byte for byte.

The signing and verifying themselves are `cryptography`'s; only the text format is written here,
since no Python library writes it. Pure: strings and bytes in and out, no file, no database.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014"  # the em dash that starts a signature line


class CheckpointError(ValueError):
    """A checkpoint, a note or a key that is malformed or whose signature does not verify."""


def _key_hash(name: str, key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]


def _check_name(name: str) -> None:
    if not name or any(ch.isspace() or ch == "+" for ch in name):
        raise CheckpointError("a key name has no space and no '+'")


@dataclass(frozen=True)
class Signer:
    """An Ed25519 signing key with its name (the log's origin, usually)."""

    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def generate(cls, name: str) -> Signer:
        _check_name(name)
        return cls(name, Ed25519PrivateKey.generate())

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        """A signer from "PRIVATE+KEY+NAME+HASH+base64(0x01 ‖ seed)"."""
        parts = skey.strip().split("+", 4)  # base64 may hold "+" too
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise CheckpointError("a signer key reads PRIVATE+KEY+name+hash+key")
        name, key = parts[2], _b64(parts[4])
        if len(key) != 33 or key[:1] != ED25519:
            raise CheckpointError("only Ed25519 signer keys are known")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(key[1:]))
        if parts[3] != signer.verifier().key_hash.hex():
            raise CheckpointError("the signer key's hash does not match its name and key")
        return signer

    def key(self) -> str:
        """The key to keep secret, in the note format."""
        seed = self.private_key.private_bytes_raw()
        hash_hex = self.verifier().key_hash.hex()
        return f"PRIVATE+KEY+{self.name}+{hash_hex}+{base64.b64encode(ED25519 + seed).decode()}"

    def verifier(self) -> Verifier:
        raw = self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return Verifier(self.name, raw)

    def sign(self, text: str) -> str:
        """The signed note of ``text`` (which must end with a newline)."""
        _check_text(text)
        signature = self.private_key.sign(text.encode())
        blob = base64.b64encode(self.verifier().key_hash + signature).decode()
        return f"{text}\n{DASH} {self.name} {blob}\n"


@dataclass(frozen=True)
class Verifier:
    """A public Ed25519 key with its name: all a member needs to check a checkpoint."""

    name: str
    public_key: bytes  # 32 raw bytes

    @property
    def key_hash(self) -> bytes:
        return _key_hash(self.name, ED25519 + self.public_key)

    @classmethod
    def from_key(cls, vkey: str) -> Verifier:
        """A verifier from "NAME+HASH+base64(0x01 ‖ public key)"."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise CheckpointError("a verifier key reads name+hash+key")
        name, key = parts[0], _b64(parts[2])
        _check_name(name)
        if len(key) != 33 or key[:1] != ED25519:
            raise CheckpointError("only Ed25519 verifier keys are known")
        verifier = cls(name, key[1:])
        if parts[1] != verifier.key_hash.hex():
            raise CheckpointError("the verifier key's hash does not match its name and key")
        return verifier

    def key(self) -> str:
        """The public key to publish, in the note format."""
        encoded = base64.b64encode(ED25519 + self.public_key).decode()
        return f"{self.name}+{self.key_hash.hex()}+{encoded}"

    def open(self, note: str) -> str:
        """The text of a note that carries a valid signature by this key, or CheckpointError."""
        text, separator, signatures = note.rpartition("\n\n")
        if not separator or not signatures.endswith("\n"):
            raise CheckpointError("a signed note is its text, an empty line, its signatures")
        text += "\n"
        _check_text(text)
        public = Ed25519PublicKey.from_public_bytes(self.public_key)
        for line in signatures.splitlines():
            dash, _, rest = line.partition(" ")
            name, _, blob = rest.partition(" ")
            if dash != DASH or not name or not blob:
                raise CheckpointError(f"not a signature line: {line!r}")
            raw = _b64(blob)
            if name != self.name or raw[:4] != self.key_hash:
                continue  # someone else's signature
            try:
                public.verify(raw[4:], text.encode())
            except InvalidSignature as error:
                raise CheckpointError("the signature does not match the text") from error
            return text
        raise CheckpointError(f"the note carries no signature by {self.name}")


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise CheckpointError("a note's text ends with a newline")


def _b64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError as error:
        raise CheckpointError(f"not base64: {value!r}") from error


@dataclass(frozen=True)
class Checkpoint:
    """What a log says of itself at one moment: its origin, its size, its root."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """The first three lines of a checkpoint body (extension lines after them are left)."""
        lines = text.split("\n")
        if len(lines) < 4 or not lines[0] or not lines[1].isdigit():
            raise CheckpointError("a checkpoint reads origin, size and root, one a line")
        if len(lines[1]) > 1 and lines[1].startswith("0"):
            raise CheckpointError("a checkpoint's size has no leading zero")
        root = _b64(lines[2])
        if len(root) != 32:
            raise CheckpointError("a checkpoint's root is 32 bytes")
        return cls(lines[0], int(lines[1]), root)


def sign_checkpoint(checkpoint: Checkpoint, signer: Signer) -> str:
    return signer.sign(checkpoint.text())


def verify_checkpoint(note: str, verifier: Verifier) -> Checkpoint:
    """The checkpoint a signed note holds, if this key signed it; else CheckpointError."""
    return Checkpoint.parse(verifier.open(note))
