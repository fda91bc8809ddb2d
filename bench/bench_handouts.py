"""Benchmark: the full set of handouts for the demo district (goal: under 60 s on a 2-core machine).

Builds every meeting's handout, agendas, forms, letters, e-mails and slides (HTML, PDF, Word, PowerPoint) for
data/demo/workbook, and reports the wall time, the time per stage of each meeting (papermill
run including kernel start-up, HTML export, documents, PDF), the bare cost of one kernel, and a
baseline measured in the same run: the same build with one worker (meetings one after another).

    .venv/bin/python bench/bench_handouts.py [--jobs 2] [--no-baseline] [--pdf-backend cli]

Until the meeting notebooks exist in notebooks/, it uses the test fixture notebook for every
meeting (and says so): the numbers then measure the pipeline, not the notebooks' own work.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from successgaps_lib import handouts
from successgaps_lib.groups import MEETINGS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo" / "workbook"
FIXTURE = ROOT / "tests" / "files" / "notebooks" / "fixture_meeting.ipynb"
GOAL = 60.0


def notebooks_to_use() -> tuple[Path, str]:
    missing = [m.notebook for m in MEETINGS.values() if not (handouts.NOTEBOOKS_DIR / f"{m.notebook}.ipynb").exists()]
    if missing:
        return FIXTURE, f"fixture notebook for every meeting (notebooks/ lacks {', '.join(sorted(set(missing)))})"
    return handouts.NOTEBOOKS_DIR, "the meeting notebooks in notebooks/"


def kernel_cost(folder: Path) -> float:
    """Seconds for papermill to start a kernel, run one trivial cell, and shut the kernel down."""
    nb = new_notebook(cells=[new_code_cell("workbook = None\nmeeting = 1", metadata={"tags": ["parameters"]})])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    path = folder / "empty.ipynb"
    nbformat.write(nb, path)
    started = time.perf_counter()
    handouts.execute_notebook(path, folder / "empty.out.ipynb", DEMO, 1)
    return time.perf_counter() - started


def build(out: Path, jobs: int, notebooks: Path) -> tuple[float, int, dict]:
    timings: dict = {}
    started = time.perf_counter()
    files = handouts.build_handouts(DEMO, "all", out=out, jobs=jobs, notebooks=notebooks, timings=timings,
                                    progress=False)
    return time.perf_counter() - started, len(files), timings


#: Stages of a meeting's build (handouts.build_meeting): the notebook, its HTML, the documents in all (of
#: which: HTML pages with their Word copies, e-mails, slide decks), PDF printing.
STAGES = ("execute", "html", "documents", "pages", "e-mails", "deck", "pdf")


def report(label: str, seconds: float, count: int, timings: dict) -> None:
    print(f"\n{label}: {seconds:.1f} s for {count} files")
    print("  " + " ".join(f"{k:>8}" for k in ("meeting", *STAGES)))
    for number, t in sorted(timings.items()):
        print("  " + " ".join([f"{number:>8}", *(f"{t.get(k, 0.0):>8.2f}" for k in STAGES)]))
    sums = {k: sum(t.get(k, 0.0) for t in timings.values()) for k in STAGES}
    print("  " + " ".join([f"{'sum':>8}", *(f"{sums[k]:>8.2f}" for k in STAGES)])
          + "   (work in all workers; wall time is lower when meetings overlap)")
    # "documents" holds pages, e-mails and decks: the slowest step is among the stages that do not overlap
    steps = {k: v for k, v in sums.items() if k != "documents"}
    (meeting, stage), worst = max((((n, k), t.get(k, 0.0)) for n, t in timings.items() for k in steps),
                                  key=lambda item: item[1])
    slowest = max(steps, key=steps.get)
    print(f"  slowest step: {slowest} ({steps[slowest]:.1f} s over all meetings); slowest single step: "
          f"meeting {meeting} {stage} ({worst:.1f} s)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="workers (default 2)")
    parser.add_argument("--no-baseline", dest="baseline", action="store_false", help="skip the 1-worker baseline")
    parser.add_argument("--pdf-backend", choices=["auto", "playwright", "cli"], default="auto",
                        help="how PDFs are printed (default: Playwright if installed, else one Chromium call each)")
    args = parser.parse_args()
    os.environ["SUCCESSGAPS_PDF"] = args.pdf_backend
    notebooks, which = notebooks_to_use()
    print(f"Handouts benchmark: demo district, all {len(MEETINGS)} meetings, HTML + PDF ({args.pdf_backend} "
          f"printing, {handouts.PdfPrinter().backend}); notebooks: {which}; {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-handouts-") as tmp:
        tmp = Path(tmp)
        print(f"\nOne kernel (start, one cell, shut down): {kernel_cost(tmp):.2f} s")
        seconds, count, timings = build(tmp / "parallel", args.jobs, notebooks)
        report(f"{args.jobs} workers", seconds, count, timings)
        if args.baseline:
            base_seconds, base_count, base_timings = build(tmp / "serial", 1, notebooks)
            report("Baseline, 1 worker", base_seconds, base_count, base_timings)
            print(f"\nSpeed-up with {args.jobs} workers: {base_seconds / seconds:.2f}x")
    verdict = "meets" if seconds < GOAL else "MISSES"
    print(f"\nFull set: {seconds:.1f} s with {args.jobs} workers: {verdict} the {GOAL:.0f} s goal.")
    return 0 if seconds < GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
