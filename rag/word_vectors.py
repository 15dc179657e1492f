"""Static word vectors for soft word matching: the bundled MiniLM encoder's input embeddings.

The encoder's first layer holds one vector per word piece; a word's vector is the normalised sum of its
pieces'.
No model is run, so a word costs a dictionary look-up (a tokenizer call for words the vocabulary does not
hold whole, cached). They are much weaker than the encoder's sentence vectors but tell "spending" from
"salary" and find "budget" near "spending": enough to say whether a question's word has a near
equivalent in a sentence, where exact matching only says whether it is there verbatim.

Read straight from the package's ``model.safetensors`` (no torch), once per process.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

_TENSOR_SUFFIX = "word_embeddings.weight"
CACHE_SIZE = 50_000  # words of several pieces, 768 bytes each


class WordVectors:
    """Unit-length vectors of lower-cased words from an encoder's word-piece embedding table."""

    def __init__(self, table: np.ndarray, vocab: dict[str, int], tokenizer=None) -> None:
        table = np.asarray(table, dtype=np.float32)
        if not table.flags.writeable:
            table = table.copy()
        table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)  # in place: no second copy
        self.table = table.astype(np.float16)  # half the memory (23 MB for MiniLM); cosines need no more
        self.vocab = vocab
        self.tokenizer = tokenizer
        self._cache: dict[str, np.ndarray] = {}  # words of several pieces only (a one-piece word is a row)
        self._lock = threading.Lock()

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> "WordVectors":
        from safetensors import safe_open
        from tokenizers import Tokenizer

        with safe_open(str(model_dir / "model.safetensors"), framework="np") as f:
            name = next(k for k in f.keys() if k.endswith(_TENSOR_SUFFIX))
            table = f.get_tensor(name)
        vocab = {w: i for i, w in enumerate((model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines())}
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return cls(table, vocab, tokenizer)

    def _pieces(self, word: str) -> list[int]:
        if self.tokenizer is None:
            return []
        return list(self.tokenizer.encode(word, add_special_tokens=False).ids)

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        """One unit row per word (lower-cased); a zero row for a word with no pieces."""
        out = np.zeros((len(words), self.table.shape[1]), dtype=np.float32)
        with self._lock:
            for k, w in enumerate(words):
                low = w.lower()
                whole = self.vocab.get(low)
                if whole is not None:
                    out[k] = self.table[whole]
                    continue
                v = self._cache.get(low)
                if v is None:
                    ids = self._pieces(low)
                    v = self.table[ids].astype(np.float32).sum(axis=0) if ids else np.zeros(self.table.shape[1], np.float32)
                    v = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float16)
                    if len(self._cache) >= CACHE_SIZE:
                        self._cache.clear()
                    self._cache[low] = v
                out[k] = v
        return out


    def nearest(self, words: Sequence[str], among: Sequence[str]) -> np.ndarray:
        """Per word, its highest cosine to any word of `among` (non-empty)."""
        return (self.vectors(words) @ self.vectors(among).T).max(axis=1)


_default: WordVectors | None = None
_failed = False
_default_lock = threading.Lock()


def default_word_vectors() -> WordVectors | None:
    """The bundled encoder's word vectors, or None (logged once) when they cannot be read."""
    global _default, _failed
    with _default_lock:
        if _default is None and not _failed:
            try:
                from .embedding import bundled_model_dir

                _default = WordVectors.from_model_dir(bundled_model_dir())
            except Exception as exc:  # noqa: BLE001 - soft matching is an extra; without it matching is exact
                _failed = True
                log.warning("soft word matching is off (%s: %s)", type(exc).__name__, exc)
    return _default
