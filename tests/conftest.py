"""Shared fixtures: a deterministic fake embedder for unit tests, the real model for marked ones."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rag.embedding import HashingEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT / "corpus"
SHARED_DATA = PROJECT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"

SAMPLE_DOCS = {
    "probation.txt": (
        "Sample probation report\n\n"
        "This is a sample written for tests.\n\n"
        "Workloads are high, with more than 77% of interviewed staff saying they managed more than 55 cases. "
        "Around one in four probation staff are agency workers. "
        "Inspectors made six recommendations.\n\n"
        "The service supervises 28,819 people across the capital."
    ),
    "prison.md": (
        "# Sample prison report\n\n"
        "This is a sample written for tests.\n\n"
        "The prison held 812 men on the day of the inspection. "
        "Only 38% of prisoners said they could get a shower every day. "
        "The governor, Daniel Whitcombe, took up post in March 2022.\n"
    ),
    "care.html": (
        "<html><head><title>Sample care home report</title></head><body>"
        "<h1>Sample care home report</h1><p>This is a sample written for tests.</p>"
        "<p>The home was rated Good overall. Staff turnover fell to 12% in 2023.</p>"
        "<p>The manager, Priya Shah, has been registered since 2019.</p></body></html>"
    ),
}


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with a clear reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: this test needs the shared data folder beside the project")
    return path


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    return HashingEmbedder()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in SAMPLE_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_index(tiny_corpus: Path, tmp_path: Path, fake_embedder: HashingEmbedder) -> Path:
    from rag.build import build_index

    index = tmp_path / "index"
    build_index(tiny_corpus, index, embedder=fake_embedder)
    return index


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of the project's corpus/ built once per session with the real model."""
    from rag.build import build_index

    folder = tmp_path_factory.mktemp("real") / "index"
    build_index(CORPUS, folder)
    return folder


@pytest.fixture(scope="session")
def real_assistant(real_index: Path):
    from rag import Assistant

    return Assistant.open(real_index)


def extract_pages_cached(path: Path, cache: pytest.Cache) -> list[str]:
    """pypdf page texts, cached in .pytest_cache by file hash: extraction is the slow part."""
    import hashlib

    import pypdf

    key = f"rag/pdf-pages/{pypdf.__version__}/{hashlib.sha256(path.read_bytes()).hexdigest()}"
    pages = cache.get(key, None)
    if pages is None:
        pages = [page.extract_text() for page in pypdf.PdfReader(path).pages]
        cache.set(key, pages)
    return pages


def copy_corpus(dest: Path) -> Path:
    shutil.copytree(CORPUS, dest)
    return dest
