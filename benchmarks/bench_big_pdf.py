"""Memory and time of `rag build` on one long PDF: does peak memory grow with the document?

    python benchmarks/bench_big_pdf.py [--pages 100,2000] [--baseline-code DIR]

Generates report-like PDFs (tests/synthetic_reports.py: a heading, five sentences with varied figures
and names, a running footer per page) in a temporary folder, and builds an index of each with
`python -m rag.cli build` (the `rag build` command) in a fresh subprocess with the real model. Measured
per build: peak RSS of the subprocess and its children (the kernel's ru_maxrss from wait4, and psutil
polling every 50 ms), wall time, and whether the progress bar was printed. The index is then opened and
checked to hold every page. A model-only subprocess (load the model, embed 1,024 sentences, no
document) gives the fixed cost that every build pays.

--baseline-code DIR runs the same builds with the `rag` package found in DIR (for example
`git archive HEAD rag | tar -x -C /tmp/head`) and reports it beside this checkout, to measure a change.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import common  # noqa: E402  (sets the offline switches before any model import)
from common import PROJECT, table

NAME = "big_pdf"
POLL_S = 0.05
MODEL_ONLY = (
    "from rag.embedding import default_embedder; "
    "default_embedder().embed(['Inspectors reviewed 60 case files at the Marlow office.'] * 1024)"
)


def run_measured(args: list[str], code_dir: Path) -> dict:
    """Run `python ARGS` with the `rag` package of `code_dir`; peak RSS (self + children), time, output."""
    import psutil

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(code_dir), env.get("PYTHONPATH", "")) if p)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], cwd=code_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: dict[str, bytes] = {}
    readers = [
        threading.Thread(target=lambda k=k, f=f: out.__setitem__(k, f.read()), daemon=True)
        for k, f in (("stdout", proc.stdout), ("stderr", proc.stderr))
    ]
    for r in readers:
        r.start()
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, int]] = []
    status = None
    try:
        while True:
            # wait4, not Popen.wait: it returns the child's own rusage (ru_maxrss), unmixed with other children.
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(recursive=True))
                samples.append((time.perf_counter() - t0, rss))
            except psutil.Error:
                pass
            time.sleep(POLL_S)
    finally:
        if status is None:  # interrupted: never leave the build running
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    for r in readers:
        r.join(timeout=10)
    stderr = out.get("stderr", b"").decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(args)} failed with exit code {proc.returncode}:\n{stderr[-3000:]}")
    peak_poll = max((r for _, r in samples), default=0)
    t_peak = next((t for t, r in samples if r == peak_poll), None)
    return {
        "wall_s": wall,
        "peak_rss_mb_maxrss": usage.ru_maxrss / 1024,  # KiB on Linux
        "peak_rss_mb_polled": peak_poll / 2**20,
        "peak_at_s": t_peak,
        "samples": len(samples),
        "timeline_mb": [(round(t, 1), round(r / 2**20)) for t, r in samples[:: max(1, int(1 / POLL_S))]],
        "stdout": out.get("stdout", b"").decode("utf-8", "replace").strip(),
        "stderr": stderr,
    }


def progress_updates(stderr: str) -> int:
    """How many times the build's progress bar redrew (tqdm writes carriage returns)."""
    return sum(1 for part in stderr.replace("\n", "\r").split("\r") if part.startswith("embedding:"))


def check_index(index: Path, pages: int) -> dict:
    """Open the built index: every page must be there, and every page must hold sentences."""
    from rag.embedding import MODEL_DIMENSION, MODEL_NAME
    from rag.store import load_index

    data = load_index(index, model_name=MODEL_NAME, dimension=MODEL_DIMENSION)
    pages_with_sentences = len(set(int(p) for p in data.sent_page))
    ok = len(data.documents) == 1 and data.documents[0].pages == pages and pages_with_sentences == pages
    return {"documents": len(data.documents), "pages": data.documents[0].pages, "pages_with_sentences": pages_with_sentences,
            "sentences": len(data.sent_doc), "chunks": len(data.chunk_doc), "all_pages_indexed": ok}


def measure(code_dir: Path, page_counts: list[int], work: Path, label: str) -> dict:
    from synthetic_reports import write_report_pdf

    print(f"[{label}] model-only process ...", file=sys.stderr)
    model_only = run_measured(["-c", MODEL_ONLY], code_dir)
    runs = []
    for n in page_counts:
        corpus = work / f"corpus-{n}"
        corpus.mkdir(exist_ok=True)
        pdf = corpus / f"long-report-{n}-pages.pdf"
        if not pdf.exists():
            t = time.perf_counter()
            write_report_pdf(pdf, n, sentences=5)
            print(f"generated {pdf.name} ({pdf.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        index = work / f"index-{label}-{n}"
        r = run_measured(["-m", "rag.cli", "build", str(corpus), "--index", str(index)], code_dir)
        r.update(pages=n, pdf_mb=pdf.stat().st_size / 1e6, progress_updates=progress_updates(r["stderr"]),
                 progress_bar=progress_updates(r["stderr"]) > 0, summary=r["stdout"].splitlines()[-1] if r["stdout"] else "",
                 index=check_index(index, n))
        r["stderr_tail"] = r.pop("stderr")[-400:]
        print(f"[{label}] {n} pages: {r['wall_s']:.1f} s, peak RSS {r['peak_rss_mb_maxrss']:.0f} MB (polled "
              f"{r['peak_rss_mb_polled']:.0f} MB), {r['progress_updates']} progress updates; {r['summary']}", file=sys.stderr)
        runs.append(r)
    model_only.pop("stderr")
    return {"code_dir": str(code_dir), "model_only": model_only, "runs": runs}


def ratios(m: dict) -> dict:
    a, b = m["runs"][0], m["runs"][-1]
    base = m["model_only"]["peak_rss_mb_maxrss"]
    return {
        "page_ratio": b["pages"] / a["pages"],
        "peak_rss_ratio": b["peak_rss_mb_maxrss"] / a["peak_rss_mb_maxrss"],
        "marginal_kb_per_page": (b["peak_rss_mb_maxrss"] - a["peak_rss_mb_maxrss"]) * 1024 / (b["pages"] - a["pages"]),
        "above_model_only_mb": [r["peak_rss_mb_maxrss"] - base for r in (a, b)],
        "time_ratio": b["wall_s"] / a["wall_s"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", default="100,2000", help="page counts, comma-separated (default 100,2000)")
    ap.add_argument("--baseline-code", metavar="DIR", help="also build with the rag package in DIR, for comparison")
    args = ap.parse_args()
    page_counts = [int(x) for x in args.pages.split(",")]
    if len(page_counts) < 2:
        sys.exit("--pages needs at least two page counts to compare")
    sys.path.insert(0, str(PROJECT / "tests"))
    m = common.machine()
    with tempfile.TemporaryDirectory(prefix="rag-big-pdf-") as tmp:
        work = Path(tmp)
        current = measure(PROJECT, page_counts, work, "this checkout")
        baseline = measure(Path(args.baseline_code).resolve(), page_counts, work, "baseline") if args.baseline_code else None
    data = {"page_counts": page_counts, "current": current, "ratios": ratios(current)}
    if baseline:
        data["baseline"] = baseline
        data["baseline_ratios"] = ratios(baseline)

    def rows(meas: dict, label: str) -> list[list]:
        mo = meas["model_only"]
        out = [[label, "model only (load, embed 1,024 sentences)", "", "", mo["wall_s"], mo["peak_rss_mb_maxrss"],
                mo["peak_rss_mb_polled"], "", ""]]
        for r in meas["runs"]:
            ix = r["index"]
            bar = f"yes ({r['progress_updates']} updates)" if r["progress_bar"] else "**no**"
            out.append([label, f"{r['pages']:,} pages ({r['pdf_mb']:.1f} MB PDF)", f"{ix['sentences']:,}", f"{ix['chunks']:,}",
                        r["wall_s"], r["peak_rss_mb_maxrss"], r["peak_rss_mb_polled"], bar,
                        "yes" if ix["all_pages_indexed"] else "**no**"])
        return out

    rt = data["ratios"]
    a, b = page_counts[0], page_counts[-1]
    first, last = current["runs"][0]["peak_rss_mb_maxrss"], current["runs"][-1]["peak_rss_mb_maxrss"]
    base = current["model_only"]["peak_rss_mb_maxrss"]
    # "In proportion": the peak rises by more than a quarter of the page ratio.
    proportional = rt["peak_rss_ratio"] > 1 + (rt["page_ratio"] - 1) / 4
    verdict = (
        "**Peak memory grows with the document.**" if proportional
        else "Peak memory does **not** grow in proportion to the document."
    )
    cmp_line = ""
    if baseline:
        br = data["baseline_ratios"]
        b0, b1 = baseline["runs"][0]["peak_rss_mb_maxrss"], baseline["runs"][-1]["peak_rss_mb_maxrss"]
        cmp_line = (f"\nBaseline code ({baseline['code_dir']}): peak RSS {b0:.0f} MB -> {b1:.0f} MB "
                    f"(x{br['peak_rss_ratio']:.2f}, {br['marginal_kb_per_page']:.0f} KB per extra page); "
                    f"this checkout: {rt['marginal_kb_per_page']:.0f} KB per extra page.\n")
    all_rows = rows(current, "this checkout") + (rows(baseline, "baseline") if baseline else [])
    headers = ["code", "input", "sentences", "chunks", "build s", "peak RSS MB (ru_maxrss)", "peak RSS MB (polled)",
               "progress bar", "all pages"]
    body = f"""One generated PDF per build (report-like pages: a heading, five sentences with varied figures and names plus one
fact unique to the page, a running footer), indexed by `python -m rag.cli build CORPUS --index INDEX` in a fresh
subprocess with the real model. Peak RSS: ru_maxrss of the build process (wait4), and psutil polling of the process and
its children every {POLL_S * 1000:.0f} ms. "All pages" = the built index holds every page, each with sentences.

{table(headers, all_rows)}

Pages x{rt['page_ratio']:.0f} ({a:,} -> {b:,}); peak RSS x**{rt['peak_rss_ratio']:.2f}** ({first:.0f} -> {last:.0f} MB);
build time x{rt['time_ratio']:.1f}. {verdict} A process that only loads the model and embeds peaks at
{base:.0f} MB; each extra page costs **{rt['marginal_kb_per_page']:.0f} KB** of peak (its text and sentence vectors and the
index built from them, which the finished index holds anyway, plus transient copies while the index is assembled).
Above the model-only process:
{rt['above_model_only_mb'][0]:.0f} MB at {a:,} pages (libraries the build imports: pypdf, FAISS, ...),
{rt['above_model_only_mb'][1]:.0f} MB at {b:,}.
{cmp_line}"""
    cmd = "python benchmarks/bench_big_pdf.py" + (f" --pages {args.pages}" if args.pages != "100,2000" else "") + (
        f" --baseline-code {args.baseline_code}" if args.baseline_code else "")
    common.write_results(NAME, "Long PDF: memory and time of `rag build` (bench_big_pdf)", cmd, body, data, m)


if __name__ == "__main__":
    main()
