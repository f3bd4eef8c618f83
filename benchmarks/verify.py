"""Verify every claim and its control on many seeds; write benchmarks/verify.json and VERIFY.md.

Run with `make verify` (outside CI: it trains every model on every seed, about half an hour a seed on 2 cores). Each
verdict names the code that made it (`code`: the version of its claim's module, experiments included, from
`jielong.claims.code`), and only verdicts whose code changed, or seeds not yet recorded, are computed again: a new
chapter's claims are verified without re-running the others. The test suite fails when a claim's record is stale,
when a claim fails on a recorded seed, and when its seed 0 differs from what the suite recomputes.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("JIELONG_CACHE", str(ROOT / "_build" / "test-cache"))  # shares the test suite's models

from jielong import claims  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(5)))
    parser.add_argument("--claims", nargs="+", choices=list(claims.CLAIMS), default=list(claims.CLAIMS),
                        help="verify only these claims (the record keeps the others)")
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "verify.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    code = {claim_id: claims.code(claim_id) for claim_id in claims.CLAIMS}
    # A verdict is kept while its claim's code is unchanged; verdicts of claims that no longer exist are dropped.
    results = {key: record for key, record in previous.get("verdicts", {}).items()
               if code.get(record["claim"]) == record.get("code")}
    for seed in args.seeds:
        start = time.perf_counter()
        for claim_id in args.claims:
            if f"{claim_id}@{seed}" in results:
                continue
            v = claims.verify(claim_id, seed)
            results[f"{claim_id}@{seed}"] = {"claim": claim_id, "seed": seed, "code": code[claim_id],
                                             "effect": v.effect, "interval": v.interval, "control": v.control,
                                             "holds": v.holds, "floors": v.floors, "control_passes": v.control_passes}
            print(v, flush=True)
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    seeds = sorted({r["seed"] for r in results.values()})
    out.write_text(json.dumps({"seeds": seeds, "verdicts": dict(sorted(results.items()))}, indent=1) + "\n")
    lines = ["# Every claim on every seed", "",
             "Written by `make verify` (`benchmarks/verify.py`). Each cell: ✅ when the claim holds (its 95% interval "
             "clears the threshold, its floors hold and its control fails), the effect, its interval where it is a "
             "sampled rate, and the control's effect. The test suite recomputes seed 0 and checks this record "
             "against it; the other seeds were never used to tune anything. Each verdict was computed by the code its record "
             "names (`benchmarks/verify.json`).", "",
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
