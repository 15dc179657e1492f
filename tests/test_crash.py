"""A build killed with SIGKILL at any point leaves the previous index loadable, and the next build completes."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rag.build import build_index
from rag.embedding import HashingEmbedder
from rag.store import current_version, load_index

# A build in a child process whose embedder is slow enough to be killed mid-way, at any stage.
CHILD = textwrap.dedent(
    """
    import sys, time
    from rag.build import build_index
    from rag.embedding import HashingEmbedder

    class Slow(HashingEmbedder):
        def embed(self, texts, **kw):
            time.sleep(0.05)
            return super().embed(texts, **kw)

    build_index(sys.argv[1], sys.argv[2], embedder=Slow())
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
@pytest.mark.parametrize("delay", [0.2, 0.6, 1.0, 1.6])
def test_sigkill_during_build_leaves_previous_index(tiny_corpus, tmp_path, delay):
    index = tmp_path / "idx"
    emb = HashingEmbedder()
    build_index(tiny_corpus, index, embedder=emb)
    before = current_version(index)
    for n in range(12):  # enough new text to keep the child busy for a while
        (tiny_corpus / f"new-{n}.txt").write_text(
            " ".join(f"Sample sentence {n}-{k} about inspection finding {k}." for k in range(40)), encoding="utf-8"
        )
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tiny_corpus), str(index)], env=dict(os.environ))
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    pointer = current_version(index)
    assert pointer is not None
    data = load_index(index, model_name=emb.name, dimension=emb.dimension)  # loadable, old or new
    assert pointer == before or len(data.documents) == 15
    report = build_index(tiny_corpus, index, embedder=emb)  # the lock died with the child
    assert len(load_index(index, model_name=emb.name, dimension=emb.dimension).documents) == 15
    assert report.documents == 15
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
