"""Verify every claim and its control on many seeds; write benchmarks/verify.json and VERIFY.md.

Run with `make verify` (outside CI: it trains every model on every seed, about 15 minutes a seed on 2 cores). The
record names the code that made it (`code`: the claims' and experiments' code version): the test suite fails when
the record is stale, when any claim fails on a recorded seed, and when its seed 0 differs from what the suite
recomputes.
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
from jielong.cache import code_version  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(5)))
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "verify.json"
    code = code_version(claims.__name__)
    previous = json.loads(out.read_text()) if out.exists() else {}
    results = dict(previous.get("verdicts", {})) if previous.get("code") == code else {}
    for seed in args.seeds:
        start = time.perf_counter()
        for claim_id in claims.CLAIMS:
            v = claims.verify(claim_id, seed)
            results[f"{claim_id}@{seed}"] = {"claim": claim_id, "seed": seed, "effect": v.effect,
                                             "interval": v.interval, "control": v.control, "holds": v.holds,
                                             "floors": v.floors, "control_passes": v.control_passes}
            print(v, flush=True)
        print(f"seed {seed}: {time.perf_counter() - start:.0f} s", flush=True)
    seeds = sorted({r["seed"] for r in results.values()})
    out.write_text(json.dumps({"code": code, "seeds": seeds, "verdicts": results}, indent=1) + "\n")
    lines = ["# Every claim on every seed", "",
             "Written by `make verify` (`benchmarks/verify.py`). Each cell: ✅ when the claim holds (its 95% interval "
             "clears the threshold, its floors hold and its control fails), the effect, its interval where it is a "
             "sampled rate, and the control's effect. The test suite recomputes seed 0 and checks this record "
             f"against it; the other seeds were never used to tune anything. Code version `{code}`.", "",
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
