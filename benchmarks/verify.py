"""Verify every claim and its control on many seeds; write benchmarks/verify.json and VERIFY.md.

Run with `make verify` (outside CI: it trains every model on every seed, about half an hour a seed on 2 cores). Each
verdict names the code that made it (`code`: the version of its claim's module, experiments included, from
`jielong.claims.code`), and only verdicts whose code changed, or seeds not yet recorded, are computed again: a new
chapter's claims are verified without re-running the others. The test suite fails when a claim's record is stale,
when a claim fails on a recorded seed, and when its seed 0 differs from what the suite recomputes.

`--jobs 2` verifies two seeds at once, a process each with one thread (on 2 cores about an eighth more work done than
one process with two threads; the numbers do not change with the thread count); the last seed left takes every core.
Every verdict is written to a journal as soon as it is measured, and the record is rewritten after each seed, so a
stopped run loses at most the verdict it was measuring: the next run starts where it stopped.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import Manager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("JIELONG_CACHE", str(ROOT / "_build" / "test-cache"))  # shares the test suite's models
JOURNAL = ROOT / "_build" / "verify-journal.jsonl"

from jielong import claims  # noqa: E402


def _record(claim_id: str, seed: int, code: str) -> dict:
    """Verify one claim on one seed: the record verify.json keeps."""
    v = claims.verify(claim_id, seed)
    print(v, flush=True)
    return {"claim": claim_id, "seed": seed, "code": code, "effect": v.effect, "interval": v.interval,
            "control": v.control, "holds": v.holds, "floors": v.floors, "control_passes": v.control_passes}


def _verify_seed(seed: int, claim_ids: list[str], code: dict[str, str], running=None, cores: int = 1) -> list[dict]:
    """Every claim of `claim_ids` on one seed, in order (they share the seed's models); each record is appended to
    the journal as it is made. `running` (a dict shared between processes) holds the seeds being verified: before
    each claim the process takes its share of the `cores`, so the last seed left runs on all of them."""
    import torch

    if running is not None:
        running[seed] = True
    start, records = time.perf_counter(), []
    try:
        for claim_id in claim_ids:
            if running is not None:
                torch.set_num_threads(max(1, cores // max(1, len(running))))
            records.append(_record(claim_id, seed, code[claim_id]))
            with JOURNAL.open("a") as journal:  # one short line per append: whole lines even from two processes
                journal.write(json.dumps(records[-1]) + "\n")
    finally:
        if running is not None:
            del running[seed]
    print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    return records


def _journal(code: dict[str, str]) -> dict[str, dict]:
    """The verdicts a stopped run measured with the current code."""
    if not JOURNAL.exists():
        return {}
    found = {}
    for line in JOURNAL.read_text().splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:  # a line cut short when the run was stopped
            continue
        if code.get(record.get("claim")) == record.get("code"):
            found[f"{record['claim']}@{record['seed']}"] = record
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    parser.add_argument("--claims", nargs="+", choices=list(claims.CLAIMS), default=list(claims.CLAIMS),
                        help="verify only these claims (the record keeps the others)")
    parser.add_argument("--jobs", type=int, default=1, help="seeds verified at once, one process and thread each")
    args = parser.parse_args()
    if args.jobs < 1 or any(s < 0 for s in args.seeds):
        parser.error("--jobs must be at least 1 and every seed at least 0")
    out = ROOT / "benchmarks" / "verify.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    code = {claim_id: claims.code(claim_id) for claim_id in claims.CLAIMS}
    # A verdict is kept while its claim's code is unchanged; verdicts of claims that no longer exist are dropped.
    results = {key: record for key, record in previous.get("verdicts", {}).items()
               if code.get(record["claim"]) == record.get("code")}
    results.update({key: record for key, record in _journal(code).items()  # where a stopped run of these left off
                    if record["seed"] in args.seeds and record["claim"] in args.claims})
    JOURNAL.parent.mkdir(parents=True, exist_ok=True)
    todo = {seed: [c for c in args.claims if f"{c}@{seed}" not in results] for seed in args.seeds}
    todo = {seed: ids for seed, ids in todo.items() if ids}
    if args.jobs == 1:
        for seed, ids in todo.items():
            results.update({f"{r['claim']}@{seed}": r for r in _verify_seed(seed, ids, code)})
            _write(out, results)
    else:
        with Manager() as manager, ProcessPoolExecutor(args.jobs) as pool:
            running = manager.dict()
            jobs = [pool.submit(_verify_seed, seed, ids, code, running, args.jobs) for seed, ids in todo.items()]
            for job in as_completed(jobs):
                results.update({f"{r['claim']}@{r['seed']}": r for r in job.result()})
                _write(out, results)
    _write(out, results)


def _write(out: Path, results: dict[str, dict]) -> None:
    """verify.json and VERIFY.md from the verdicts so far."""
    seeds = sorted({r["seed"] for r in results.values()})
    out.write_text(json.dumps({"seeds": seeds, "verdicts": dict(sorted(results.items()))}, indent=1) + "\n")
    lines = ["# Every claim on every seed", "",
             "Written by `make verify` (`benchmarks/verify.py`). Each cell: ✅ when the claim holds (its 95% interval "
             "clears the threshold, its floors hold and its control fails), the effect, its interval where it is a "
             "sampled rate, and the control's effect. The test suite recomputes seed 0 and checks this record "
             "against it. Where a claim failed on a seed and its experiment was redesigned, the redesign was verified "
             "on every seed again; a claim marked not shown fails on at least one seed, and its chapter says why. Each "
             "verdict was computed by the code its record names (`benchmarks/verify.json`).", "",
             "| claim | threshold | " + " | ".join(f"seed {s}" for s in seeds) + " |",
             "| --- | --- | " + " | ".join("---" for _ in seeds) + " |"]
    for claim_id, claim in claims.CLAIMS.items():
        cells = [(_cell_from(results[f"{claim_id}@{s}"]) if f"{claim_id}@{s}" in results else "not run") for s in seeds]
        marked = " (⚠️ marked not shown at this scale)" if claim.not_shown else ""
        lines.append(f"| `{claim_id}`{marked} | {claim.bound} | " + " | ".join(cells) + " |")
    held = sum(r["holds"] for r in results.values())
    lines += ["", f"{held} of {len(results)} verdicts hold."]
    (ROOT / "VERIFY.md").write_text("\n".join(lines) + "\n")


def _cell_from(record: dict) -> str:
    interval = "" if record["interval"] is None else f" [{record['interval'][0]:.2f}, {record['interval'][1]:.2f}]"
    floors = "" if all(record["floors"].values()) else " (floor fails)"
    return f"{'✅' if record['holds'] else '❌'} {record['effect']:.2f}{interval}{floors}; control {record['control']:.2f}"


if __name__ == "__main__":
    main()
