"""Execute the book's notebooks two at a time into Jupyter Book's execution cache, before `jupyter-book build`.

Jupyter Book 1 executes one notebook at a time, and on two cores torch's second thread makes these tiny models
only about a third faster. Two notebooks at a time, one torch thread each, keep both cores busy; a line reports each
notebook and its seconds as it finishes. The build then finds each notebook in the cache and executes nothing (it
executes, and reports, any that failed here). The workers are jupyter-cache's own, the ones its `jcache project
execute` uses.

First the models the chapters load are trained (`jielong.warm.BOOK_CHAINS`, a chain per worker, a line per model),
so that no notebook waits on another's first-use training; a worker whose chain ends first starts a chapter. The
chapters start longest first, by the seconds `make bench` last measured for each (`benchmarks/results.json`), so
that no long one starts last.

Usage: python tools/execute.py CACHE_FOLDER [--workers N] [--no-models]
"""
import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MEASURED = ROOT / "benchmarks" / "results.json"


def book_notebooks() -> list[Path]:
    """The notebooks of `_toc.yml`, in its order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [ROOT / f"{f}.ipynb" for f in files if (ROOT / f"{f}.ipynb").exists()]


def measured_seconds(path: Path = MEASURED) -> dict[str, float]:
    """The seconds `make bench` last measured for each notebook, by its name in `results.json` (none where the file or
    a row is missing or unreadable: the order is then the table of contents')."""
    try:
        rows = json.loads(path.read_text()).get("chapters", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {name: row["seconds"] for name, row in rows.items()
            if isinstance(row, dict) and isinstance(row.get("seconds"), (int, float))}


def bench_name(path: Path) -> str:
    """A notebook's name in `results.json`: a chapter by its file's stem, any other page as FOLDER/STEM."""
    return path.stem if path.parent.name == "book" else f"{path.parent.name}/{path.stem}"


def longest_first(notebooks: list[Path], seconds: dict[str, float]) -> list[Path]:
    """`notebooks` in order of their measured seconds, longest first; those never measured last, in their order."""
    return sorted(notebooks, key=lambda path: -seconds.get(bench_name(path), -1.0))


def check_chains(chains: Sequence[Sequence[str]]) -> list[tuple[str, ...]]:
    """The chains as tuples; refuse, before any work, a bare name in place of a chain or a name `jielong.warm` does
    not know."""
    from jielong.warm import MODELS

    if isinstance(chains, str) or any(isinstance(chain, str) for chain in chains):
        raise ValueError(f"models must be chains (sequences) of names in jielong.warm.MODELS, got a bare name in "
                         f"{chains!r}")
    chains = [tuple(chain) for chain in chains]
    unknown = [name for chain in chains for name in chain if name not in MODELS]
    if unknown:
        raise ValueError(f"models must be chains (sequences) of names in jielong.warm.MODELS, got {unknown!r}")
    return chains


def execute(cache_folder: Path, notebooks: list[Path] | None = None, workers: int = 2, timeout: int = 900,
            models: Sequence[Sequence[str]] = ()) -> dict[str, str]:
    """Execute every notebook (the book's by default) that the cache lacks, `workers` at a time, longest first, after
    the models named in `models` (chains of `jielong.warm.MODELS`) are trained; each notebook's outcome."""
    if workers < 1:
        raise ValueError(f"workers must be an integer from 1, got {workers!r}")
    chains = [chain for chain in check_chains(models) if chain]
    from jupyter_cache import get_cache
    from jupyter_cache.executors.basic import ProcessData

    # Each kernel (and each model's process) inherits this: one torch thread per process when they share the cores.
    if workers > 1:
        os.environ["OMP_NUM_THREADS"] = "1"
    cache = get_cache(str(cache_folder))
    paths = longest_first(book_notebooks() if notebooks is None else notebooks, measured_seconds())
    records = [cache.add_nb_to_project(str(path)) for path in paths]
    todo = [r for r in records if cache.get_cached_project_nb(r.pk) is None]
    # The models' chains first, then the chapters, all in one queue: the worker whose chain ends first starts the
    # longest chapter, whose models the other chain has made by then (`jielong.warm.BOOK_CHAINS`). Then the pages that
    # read the chapters' results (the lecture pages' verdicts), which then find every experiment cached instead of
    # running it a second time.
    chapter = lambda record: Path(record.uri).parent.name == "book"  # noqa: E731
    jobs = [("models", chain) for chain in chains] if todo else []
    phases = ([*jobs, *(("notebook", r) for r in todo if chapter(r))],
              [("notebook", r) for r in todo if not chapter(r)])
    outcome = {}
    # Spawned, not forked: a fork of a process with threads running (a test session, a notebook) can deadlock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for phase in phases:
            runs = {pool.submit(_warm, job) if kind == "models" else
                    pool.submit(_timed, ProcessData(job.pk, job.uri, cache, timeout, False)): (kind, job)
                    for kind, job in phase}
            for run in as_completed(runs):
                kind, job = runs[run]
                if kind == "models":  # reported, not raised: the notebooks that need its models train them
                    code, seconds = run.result()
                    print(f"{('models', 'failed')[code != 0]:>10}  {seconds:4.0f} s  {', '.join(job)}",
                          file=sys.stderr, flush=True)
                    continue
                (code, uri), seconds = run.result()
                outcome[uri] = ("executed", "failed", "not cached")[code]
                print(f"{outcome[uri]:>10}  {seconds:4.0f} s  {_name(uri)}", file=sys.stderr, flush=True)
    return {r.uri: outcome.get(r.uri, "cached") for r in records}


def _warm(chain: Sequence[str], timeout: int = 1800) -> tuple[int, float]:
    """Train one chain of `jielong.warm.MODELS` in its own process, in order (it prints a line per model); its exit
    status (1 when it fails or outlives `timeout` seconds) and the seconds it took."""
    start = time.perf_counter()
    try:
        code = subprocess.run([sys.executable, "-m", "jielong.warm", *chain], timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        code = 1
    return code, time.perf_counter() - start


def _timed(data) -> tuple[tuple[int, str], float]:
    """Execute one notebook in this worker process: jupyter-cache's outcome, and the seconds it took."""
    from jupyter_cache.executors.basic import ExecutionWorkerLocalMProc

    start = time.perf_counter()
    outcome = ExecutionWorkerLocalMProc()(data)
    if outcome[0] == 2:
        # Not the notebook's own error (that is 1) but its kernel's: two kernels starting at once in two workers can
        # be handed the same free port, and one dies before it replies ("Address already in use"). Once more.
        outcome = ExecutionWorkerLocalMProc()(data)
    return outcome, time.perf_counter() - start


def _name(uri: str) -> str:
    """A notebook's path from the book's root where it lies there, else as given."""
    path = Path(uri)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cache", type=Path, help="Jupyter Book's execution cache (_build/.jupyter_cache)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-models", action="store_true", help="do not train the chapters' models first")
    args = parser.parse_args()
    start = time.perf_counter()
    from jielong.warm import BOOK_CHAINS

    outcomes = execute(args.cache, workers=args.workers, models=() if args.no_models else BOOK_CHAINS)
    cached = sum(outcome == "cached" for outcome in outcomes.values())
    print(f"{len(outcomes)} notebooks ({cached} unchanged, read from the cache) in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
