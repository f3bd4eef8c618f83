"""Every lecture claim as data: the experiment that tests it, its effect size, the threshold it must pass, and a
control, the same measurement where the lecture says the effect is absent.

The one registry that chapters, lecture pages, tests and benchmarks all read. A claim holds on a seed when the
effect's 95% interval clears its threshold, its floors hold (something was learnt at all), and its control does not
pass.
"""
from __future__ import annotations

from ..validation import check_choice, check_int
from . import feedback, fine_tuning, pretraining
from ._core import Claim, Measurement, Verdict

CLAIMS: dict[str, Claim] = {c.id: c for c in (*pretraining.CLAIMS, *fine_tuning.CLAIMS, *feedback.CLAIMS)}

__all__ = ["CLAIMS", "Claim", "Measurement", "Verdict", "table", "verify"]


def verify(claim_id: str, seed: int = 0) -> Verdict:
    """Run the claim's experiment and its control on `seed`; return the verdict (effect, interval, control, holds)."""
    check_choice("claim_id", claim_id, CLAIMS)
    check_int("seed", seed, 0, 2**31 - 1)
    return CLAIMS[claim_id].verify(seed)


def table(lecture: int):
    """The claims of one lecture as a Markdown table (for the lecture pages)."""
    from IPython.display import Markdown

    check_choice("lecture", lecture, (6, 7, 8))
    rows = ["| claim | statement | effect measured | threshold | control |", "| --- | --- | --- | --- | --- |"]
    rows += [f"| `{c.id}` | {c.statement} | {c.effect} | {c.bound} | {c.control} |"
             for c in CLAIMS.values() if c.lecture == lecture]
    return Markdown("\n".join(rows))
