"""Shared plumbing for the benchmark scripts: data paths, the cached index, machine facts, results.

Every script writes one JSON file into benchmarks/results/ and replaces its own section of
benchmarks/RESULTS.md (between `<!-- BEGIN name -->` and `<!-- END name -->` markers), so the
scripts can be run in any order and re-run one at a time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

# Never let anything fetch weights: set before sentence-transformers / transformers are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HAYSTACK_TELEMETRY_ENABLED", "False")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

DATA = Path(os.environ.get("RAG_SHARED_DATA", PROJECT.parent / "shared" / "data")).resolve()
CACHE = BENCH / ".cache"
RESULTS_DIR = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"

ILACS = DATA / "ofsted-ilacs-london"
SEND = DATA / "ofsted-cqc-area-send-london"
ILACS_QA = ILACS / "derived_ilacs_facts_qa.dev.jsonl"
CORPUS_QA = PROJECT / "tests" / "data" / "corpus_qa.jsonl"
SAMPLE_CORPUS = PROJECT / "corpus"
POLICYQA_TEST = DATA / "policyqa" / "test.json"
FINANCEBENCH = DATA / "financebench-subset"

# Modules whose code decides what the index holds: a change in any of them rebuilds the cached index.
# (Only the modules that change what is stored; format changes are caught by the manifest's version check.)
INDEX_CODE = ("documents.py", "sentences.py", "chunking.py", "lexical.py")


def require(paths: Iterable[Path], what: str) -> None:
    """Exit with a clear message when benchmark data is missing."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        lines = "\n  ".join(str(p) for p in missing)
        sys.exit(
            f"{what}: data missing:\n  {lines}\n"
            f"The benchmarks read ../shared/data next to the project (or $RAG_SHARED_DATA); "
            f"see each data set's PROVENANCE.txt for where it comes from."
        )


def report_pdfs() -> list[Path]:
    """The 43 real reports: 33 ILACS + 10 area SEND (London)."""
    require([ILACS / "pdfs", SEND / "pdfs"], "the Ofsted reports")
    pdfs = sorted((ILACS / "pdfs").glob("*.pdf")) + sorted((SEND / "pdfs").glob("*.pdf"))
    if len(pdfs) != 43:
        print(f"warning: expected 43 report PDFs, found {len(pdfs)}", file=sys.stderr)
    return pdfs


def _copy_flat(files: Sequence[Path], dest: Path) -> Path:
    """Copy files into `dest` (flat: evaluation files name documents by file name), only when changed."""
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f.name for f in files}
    for f in files:
        target = dest / f.name
        if not target.exists() or target.stat().st_size != f.stat().st_size or target.stat().st_mtime < f.stat().st_mtime:
            shutil.copy2(f, target)
    for stale in dest.iterdir():
        if stale.is_file() and stale.name not in wanted:
            stale.unlink()
    return dest


def sample_corpus_files() -> list[Path]:
    require([SAMPLE_CORPUS], "the sample corpus")
    return sorted(p for p in SAMPLE_CORPUS.iterdir() if p.is_file() and not p.name.startswith("."))


def combined_corpus() -> Path:
    """benchmarks/.cache/corpus: the 43 reports plus corpus/, copied into one flat folder."""
    return _copy_flat(report_pdfs() + sample_corpus_files(), CACHE / "corpus")


def reports_corpus() -> Path:
    """benchmarks/.cache/reports43: the 43 reports alone."""
    return _copy_flat(report_pdfs(), CACHE / "reports43")


def code_fingerprint() -> str:
    h = hashlib.sha256()
    for name in INDEX_CODE:
        p = PROJECT / "rag" / name
        if p.exists():
            h.update(name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()[:16]


def cached_index(corpus: Path, name: str, embedder=None, quiet: bool = False) -> Path:
    """Build (or update) benchmarks/.cache/<name> from `corpus`; rebuilt from scratch when index code changed.

    The build is incremental by document hash only, so a change to the sentence splitter would
    otherwise leave stale chunks: the stamp file records the code fingerprint it was built with.
    """
    from rag.build import build_index

    root = CACHE / name
    stamp = CACHE / f"{name}.code"
    fp = code_fingerprint()
    from rag.store import IndexLocked

    t = time.perf_counter()
    while True:  # another benchmark may be updating the same cache: wait for it, then look again
        rebuild = not stamp.exists() or stamp.read_text().strip() != fp
        try:
            report = build_index(corpus, root, embedder=embedder, rebuild=rebuild)
            break
        except IndexLocked:
            if time.perf_counter() - t > 3600:
                raise
            time.sleep(2)
    stamp.write_text(fp + "\n")
    if not quiet:
        verb = "built" if report.changed else "reused"
        print(f"[cache] {verb} index {root} ({report.summary()}) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
    return root


def shared_index(embedder=None) -> Path:
    """The one cached index of the 43 reports + corpus/ shared by the scripts that do not time the build."""
    return cached_index(combined_corpus(), "index", embedder=embedder)


def embedder():
    from rag.embedding import default_embedder

    e = default_embedder()
    e.embed(["warm up"])  # load the weights now, outside any timing
    return e


# -- numbers ---------------------------------------------------------------------------------------


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else float("nan")


def summary(values: Sequence[float]) -> dict[str, float]:
    v = list(values)
    return {"n": len(v), "min": min(v), "median": float(np.median(v)), "max": max(v)} if v else {"n": 0}


def fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    if isinstance(x, float):
        if x != x:
            return "n/a"
        if abs(x) >= 100:
            return f"{x:,.0f}"
        if abs(x) >= 10:
            return f"{x:.1f}"
        return f"{x:.{digits}f}"
    return str(x)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for r in rows:
        out.append("| " + " | ".join(fmt(c) if not isinstance(c, str) else c for c in r) + " |")
    return "\n".join(out)


# -- machine and results ---------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    import importlib.metadata as md

    def ver(pkg: str) -> str | None:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return None

    try:
        mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        mem_gb = None
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": platform.node(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(mem_gb, 1) if mem_gb else None,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {p: ver(p) for p in ("torch", "sentence-transformers", "faiss-cpu", "numpy", "pypdf", "haystack-ai", "sentence-transformers-haystack")},
        "git_head": _git_head(),
        "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        "note": "2 cores shared with other engineers' jobs (tests, builds, reader training) running at the same time: "
        "timings are noisy and pessimistic; the load average is recorded at the start and end of each run.",
    }


def _git_head() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT, capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def machine_line(m: dict[str, Any]) -> str:
    return (
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}, "
        f"torch {m['packages'].get('torch')}, faiss {m['packages'].get('faiss-cpu')}; git {m['git_head']}. "
        f"Date: {m['date']}. Load average at start {m['load_average']}"
        + (f", at end {m['load_average_end']}" if m.get("load_average_end") else "")
        + (f". OMP_WAIT_POLICY={m['OMP_WAIT_POLICY']} for this run (not the library's default)" if m.get("OMP_WAIT_POLICY") else "")
        + ". **The 2 cores were shared with other engineers' jobs during the run: timings are noisy and on the slow side.**"
    )


def write_results(name: str, title: str, command: str, body: str, data: dict[str, Any], m: dict[str, Any]) -> Path:
    """Write results/<name>.json and replace the `name` section of RESULTS.md."""
    m["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "command": command, "machine": m, **data}
    out.write_text(json.dumps(payload, indent=1, default=_json_default) + "\n", encoding="utf-8")
    section = f"## {title}\n\n{machine_line(m)}\n\nCommand: `{command}` (raw figures: `benchmarks/results/{name}.json`)\n\n{body.strip()}\n"
    update_section(name, section)
    print(f"wrote {out.relative_to(PROJECT)} and the '{title}' section of {RESULTS_MD.relative_to(PROJECT)}")
    return out


def _json_default(o: Any):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


SECTION_ORDER = ("bench_speed", "bench_retrieval", "bench_scale", "bench_peer", "bench_end_to_end", "reading")
HEADER = """# Benchmark results

Measured figures from the scripts in this folder (commands in `benchmarks/README.md`). Each section
says when and on what it was measured and is replaced when its script runs again.
"""


def update_section(name: str, text: str) -> None:
    sections = _read_sections()
    sections[name] = text
    _write_sections(sections)


def _read_sections() -> dict[str, str]:
    sections: dict[str, str] = {}
    if RESULTS_MD.exists():
        content = RESULTS_MD.read_text(encoding="utf-8")
        pos = 0
        while True:
            a = content.find("<!-- BEGIN ", pos)
            if a < 0:
                break
            b = content.find(" -->", a)
            key = content[a + len("<!-- BEGIN ") : b]
            end_marker = f"<!-- END {key} -->"
            c = content.find(end_marker, b)
            if c < 0:
                break
            sections[key] = content[b + len(" -->") : c].strip("\n") + "\n"
            pos = c + len(end_marker)
    sections.setdefault(
        "reading",
        "## Reading\n\n_Reading (SQuAD v1.1) and abstention (SQuAD v2.0) benchmarks: written by the person building the "
        "answer ranker (rag/reader.py). Placeholder._\n",
    )
    return sections


def _write_sections(sections: dict[str, str]) -> None:
    keys = [k for k in SECTION_ORDER if k in sections] + [k for k in sections if k not in SECTION_ORDER]
    parts = [HEADER]
    for k in keys:
        parts.append(f"<!-- BEGIN {k} -->\n{sections[k].rstrip()}\n<!-- END {k} -->\n")
    RESULTS_MD.write_text("\n".join(parts), encoding="utf-8")


def jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]
