"""A running server keeps answering while another process rebuilds its index, then answers from the new one.

Three processes: `rag serve` (subprocess), `rag build` (a second subprocess, after a document is added to
the corpus), and this test asking through the web app's API. No restart: the server's assistant checks
the index's CURRENT pointer on every question and switches to the new version once the build has
written it.
"""
from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from rag import Assistant
from rag.ui import format_answer, safe_text

from .conftest import copy_corpus
from .server_process import ask, client, comparable, die_with_parent, project_env, rag_command, serve, stop

pytestmark = pytest.mark.slow

OLD_QUESTIONS = [
    "What share of staff had over 55 cases?",
    "How many people does London CRC supervise?",
    "Who is the Chief Inspector of Probation?",
]
NEW_DOCUMENT = "wrenford-sample-inspection.txt"
NEW_DOCUMENT_SHOWN = safe_text(NEW_DOCUMENT)  # as the chat's Markdown writes it ("-" escaped)
NEW_QUESTION = "How many prison officers did HMP Wrenford employ?"
NEW_ANSWER = "143"
BUILD_TIMEOUT_S = 600


def new_document_text() -> str:
    """A report only the rebuilt index holds; long enough that its build takes a few seconds to embed."""
    filler = [
        f"Inspectors spoke to {20 + k} prisoners on wing {k % 7 + 1} about {topic} during the visit."
        for k, topic in enumerate(["education", "health care", "visits", "work", "safety", "food", "complaints"] * 30)
    ]
    return (
        "An inspection of HMP Wrenford\n\n"
        "This is a sample report written for tests.\n\n"
        + " ".join(filler[:100])
        + "\n\nHMP Wrenford employed 143 prison officers at the time of the inspection.\n\n"
        + " ".join(filler[100:])
        + "\n"
    )


def test_server_answers_during_a_rebuild_in_another_process_then_from_the_new_index(real_index, real_assistant, tmp_path):
    corpus = copy_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    shutil.copytree(real_index, index)  # same documents: the rebuild below embeds only the new one
    expected = {q: comparable(format_answer(real_assistant.ask(q))) for q in OLD_QUESTIONS}

    with serve(index, tmp_path, corpus=corpus) as server:
        c = client(server)
        for q in OLD_QUESTIONS:  # warm: the model is loaded before the build starts
            assert comparable(ask(c, q)) == expected[q]
        before = ask(c, NEW_QUESTION)
        assert NEW_DOCUMENT_SHOWN not in before

        (corpus / NEW_DOCUMENT).write_text(new_document_text(), encoding="utf-8")
        build_log = tmp_path / "build.log"
        with open(build_log, "wb") as log:
            build = subprocess.Popen(
                rag_command("build", str(corpus), "--index", str(index), "--quiet"),
                env=project_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        try:
            during: list[tuple[str, str]] = []
            deadline = time.monotonic() + BUILD_TIMEOUT_S
            while build.poll() is None and time.monotonic() < deadline:
                q = OLD_QUESTIONS[len(during) % len(OLD_QUESTIONS)]
                during.append((q, comparable(ask(c, q))))
        finally:
            stop(build)  # a no-op once it has finished; kills it if it overran
        assert build.returncode == 0, build_log.read_text(errors="replace")
        assert "1 indexed" in build_log.read_text(errors="replace")
        assert len(during) >= 3, f"only {len(during)} questions were asked while the build ran"

        # What a fresh process answers from the new index: the server must now answer the same.
        fresh = Assistant.open(index, embedder=real_assistant.embedder)
        expected_new = {q: comparable(format_answer(fresh.ask(q))) for q in [*OLD_QUESTIONS, NEW_QUESTION]}
        # During the build, the old index's answers; the last may come from the new version (written just
        # before the build process exits), where the new document's words can shift a citation.
        wrong = [(q, r) for q, r in during if r not in (expected[q], expected_new[q])]
        assert not wrong, f"{len(wrong)} of {len(during)} answers during the build were wrong: {wrong[0]}"

        after = ask(c, NEW_QUESTION)
        assert not after.startswith("**Not found.**"), after
        assert after.startswith(f"**{NEW_ANSWER}**") and NEW_DOCUMENT_SHOWN in after, after
        assert comparable(after) == expected_new[NEW_QUESTION]
        for q in OLD_QUESTIONS:  # the old documents still answer, now from the new version
            assert comparable(ask(c, q)) == expected_new[q]
        assert server.proc.poll() is None  # the same server process throughout: no restart
