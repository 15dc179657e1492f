"""`rag serve` in a subprocess, and asking it questions through the web app's API (POST /gradio_api/call/ask).

Shared by tests/test_load.py, tests/test_serve_rebuild.py and benchmarks/bench_load.py. The server listens
on 127.0.0.1 only, logs to a file (a pipe nobody reads would block it), and is always stopped on exit.
"""
from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PROJECT = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 180.0  # imports gradio and torch; CI machines are slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def project_env() -> dict[str, str]:
    """The environment for a `rag` subprocess: this checkout's package first, never a download."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT), env.get("PYTHONPATH", "")) if p)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    return env


def rag_command(*args: str) -> list[str]:
    """`rag ARGS` as `python -m rag.cli ARGS` (the installed `rag` script may point at another checkout)."""
    return [sys.executable, "-m", "rag.cli", *args]


def die_with_parent() -> None:
    """preexec_fn: on Linux, the child gets SIGTERM when the process that started it dies, even by SIGKILL
    or a hard timeout, so no server outlives its test. (Tied to the starting thread: start from the main one.)"""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: teardown still stops it


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, n: int = 3000) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-n:]
        except OSError:
            return ""


def stop(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """Terminate, then kill if it does not exit in time; always reaps the process."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)


@contextlib.contextmanager
def serve(index: Path, log_dir: Path, *, corpus: Path | None = None) -> Iterator[Server]:
    """Start `rag serve --index INDEX --host 127.0.0.1 --port FREE` and wait until it answers HTTP."""
    port = free_port()
    log = Path(log_dir) / f"server-{port}.log"
    args = ["serve", "--index", str(index), "--host", "127.0.0.1", "--port", str(port)]
    if corpus is not None:
        args += ["--corpus", str(corpus)]
    env = project_env()
    env["GRADIO_TEMP_DIR"] = str(Path(log_dir) / "gradio-files")  # the page images it serves go to the test's folder
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            rag_command(*args), cwd=PROJECT, env=env, stdout=fh, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
        )
    server = Server(f"http://127.0.0.1:{port}/", proc, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"rag serve exited with code {proc.returncode}:\n{server.log_tail()}")
            try:
                with urllib.request.urlopen(server.url + "config", timeout=5) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"rag serve did not start in {START_TIMEOUT_S:.0f} s:\n{server.log_tail()}")
            time.sleep(0.5)
        yield server
    finally:
        stop(proc)


def client(server: Server, max_workers: int = 64):
    """A gradio_client for the server. `max_workers` bounds its requests in flight (the default, 40, would
    quietly queue a burst of 50 in the client); page images are left on the server, not downloaded."""
    from gradio_client import Client

    return Client(server.url, verbose=False, max_workers=max_workers, download_files=False, analytics_enabled=False)


def reply_of(result) -> str:
    """The assistant's reply (Markdown) from the outputs of the /ask endpoint."""
    history = result[0]
    last = history[-1]
    content = last["content"] if isinstance(last, dict) else last[1]
    if isinstance(content, list):  # Gradio may wrap message content as [{"type": "text", "text": ...}]
        content = "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return str(content)


def ask(c, question: str) -> str:
    """Ask through the web app's API, as a click on "Ask" with an empty chat; returns the reply Markdown."""
    return reply_of(c.predict(question, [], [], api_name="/ask"))


_CONFIDENCE = re.compile(r"^Confidence \d+%$|\(\d+%\)\.$", re.MULTILINE)


def comparable(reply: str) -> str:
    """The reply without its confidence figure (rounding of the last float digit must not fail a comparison)."""
    return _CONFIDENCE.sub("", reply).strip()
