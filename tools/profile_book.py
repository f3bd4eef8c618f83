"""Where the book's time goes: execute every notebook from an empty cache and time each experiment and model.

Every Python process of the build (the kernels, and the processes that train the chapters' models first) starts with
a timing hook, a `sitecustomize` module put first on its path, that notes when an experiment's cache lookup misses
and when its result is written, and when a model's folder starts and ends being built. The library itself is not
changed, so no cache key moves. A run nested in another (a base model trained inside a fine-tuning experiment) is
subtracted from its parent, so the table adds up to the compute the build spent.

Usage: python tools/profile_book.py [--workers N] [--out FILE]   (about as long as a cold `make book`)
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))
import execute  # noqa: E402

HOOK = '''
import contextlib, importlib.abc, importlib.machinery, importlib.util, json, os, sys, time

_started = {}


def _note(kind, name, start):
    with open(os.environ["JIELONG_PROFILE"], "a") as f:
        f.write(json.dumps({"kind": kind, "name": name, "pid": os.getpid(), "start": start, "end": time.time()}) + "\\n")


def _patch(cache):
    read, write, building = cache.read_json, cache.write_json, cache.building

    def read_json(path):
        hit = read(path)
        if hit is None:
            _started[str(path)] = time.time()
        return hit

    def write_json(path, data):
        write(path, data)
        if (start := _started.pop(str(path), None)) is not None:
            _note("experiment", path.parent.name, start)

    @contextlib.contextmanager
    def timed_building(final):
        start = time.time()
        with building(final) as scratch:
            yield scratch
        if scratch is not None:
            _note("model", final.name.rsplit("-", 1)[0], start)

    cache.read_json, cache.write_json, cache.building = read_json, write_json, timed_building


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Patch jielong.cache when a process first imports it (importing it here would load torch and matplotlib in every
    process, before a kernel chooses matplotlib's backend)."""

    def find_spec(self, name, path, target=None):
        if name != "jielong.cache":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PatchOnImport())

# This module hides any other sitecustomize (a network guard, the system's): run the next one on the path.
_here = os.path.dirname(os.path.abspath(__file__))
for _entry in sys.path:
    _candidate = os.path.join(os.path.abspath(_entry or "."), "sitecustomize.py")
    if os.path.dirname(_candidate) != _here and os.path.isfile(_candidate):
        _spec = importlib.util.spec_from_file_location("_sitecustomize_after_profile", _candidate)
        _spec.loader.exec_module(importlib.util.module_from_spec(_spec))
        break
'''


def profile(notebooks: list[Path] | None = None, workers: int = 2,
            models: Sequence[Sequence[str]] = ()) -> list[dict]:
    """Execute `notebooks` (the book's by default) from empty caches, after training `models` as the build does
    (chains of `jielong.warm.MODELS`); every experiment and model built, timed."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "site").mkdir()
        (root / "site" / "sitecustomize.py").write_text(HOOK)
        log = root / "profile.jsonl"
        log.touch()
        path = os.pathsep.join(p for p in (str(root / "site"), os.environ.get("PYTHONPATH")) if p)
        # Every process started from here inherits these; the caller's environment is restored afterwards.
        with mock.patch.dict(os.environ, PYTHONPATH=path, JIELONG_CACHE=str(root / "cache"), JIELONG_PROFILE=str(log)):
            outcomes = execute.execute(root / "execution-cache", notebooks, workers=workers, models=models)
        failed = [uri for uri, outcome in outcomes.items() if outcome == "failed"]
        if failed:
            raise RuntimeError(f"notebooks failed, so their time is not the book's: {failed}")
        return [json.loads(line) for line in log.read_text().splitlines()]


def exclusive(runs: list[dict]) -> list[dict]:
    """Each run with `seconds`: its own time, less the runs nested directly inside it in the same process."""
    out = []
    for run in runs:
        inside = [r for r in runs if r is not run and r["pid"] == run["pid"]
                  and r["start"] >= run["start"] and r["end"] <= run["end"]]
        direct = [r for r in inside if not any(o is not r and o["start"] <= r["start"] and o["end"] >= r["end"]
                                               for o in inside)]
        own = run["end"] - run["start"] - sum(r["end"] - r["start"] for r in direct)
        out.append({**run, "seconds": own})
    return out


def table(runs: list[dict], wall: float, workers: int) -> str:
    """A Markdown table of compute by experiment or model, largest first."""
    totals: dict[tuple[str, str], list] = collections.defaultdict(lambda: [0, 0.0])
    for run in exclusive(runs):
        totals[run["kind"], run["name"]][0] += 1
        totals[run["kind"], run["name"]][1] += run["seconds"]
    spent = sum(seconds for _, seconds in totals.values())
    lines = ["| what | kind | runs | seconds (one core) | share |", "| --- | --- | --- | --- | --- |"]
    for (kind, name), (count, seconds) in sorted(totals.items(), key=lambda item: -item[1][1]):
        lines.append(f"| `{name}` | {kind} | {count} | {seconds:.0f} | {seconds / spent:.0%} |")
    lines += ["", f"Experiments and models: {spent:.0f} s of compute; the notebooks took {wall:.0f} s on {workers} "
              f"workers ({workers * wall:.0f} core-seconds)."]
    return "\n".join(lines)


def matmul_gflops(n: int = 1024, repeats: int = 20) -> float:
    """Sustained fp32 matrix-multiply speed, in GFLOP/s, with the kernels the book uses: how fast this machine is
    today."""
    import jielong  # noqa: F401  (first: it picks torch's kernels before torch's first operation)
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(3):
        a @ b
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e9


def commit() -> str:
    """The commit measured, with `+changes` when the tree differs from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=execute.ROOT, capture_output=True, text=True).stdout.strip()

    changed = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+changes" if changed else "")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="write the table here too")
    args = parser.parse_args()
    speed, at = matmul_gflops(), commit()  # the code measured is the code at the start
    start = time.perf_counter()
    from jielong.warm import BOOK_CHAINS

    runs = profile(workers=args.workers, models=BOOK_CHAINS)
    report = (f"# Where the cold book's time goes\n\nMeasured by `tools/profile_book.py` at {at}, "
              f"{os.cpu_count()} CPUs (fp32 matrix multiply {speed:.0f} GFLOP/s before the run).\n\n"
              + table(runs, time.perf_counter() - start, args.workers))
    print(report)
    if args.out:
        args.out.write_text(report + "\n")
