"""Every lecture claim as data: the experiment that tests it, its effect size, the threshold it must pass, and a
control, the same measurement where the lecture says the effect is absent.

The one registry that chapters, lecture pages, tests and benchmarks all read. A claim holds on a seed when the
effect's 95% interval clears its threshold, its floors hold (something was learnt at all), and its control does not
pass.
"""
from __future__ import annotations

from dataclasses import replace

from ..cache import code_version
from ..validation import check_choice, check_int
from . import adapters, background, feedback, fine_tuning, instruction_data, pretraining, reward_data, simulated_human
from ._core import Claim, Measurement, Verdict
from .not_shown import NOT_SHOWN

MODULES = (background, pretraining, instruction_data, fine_tuning, adapters, simulated_human, reward_data, feedback)
CLAIMS: dict[str, Claim] = {c.id: replace(c, not_shown=NOT_SHOWN.get(c.id, ""))
                            for module in MODULES for c in module.CLAIMS}
_MODULE_OF = {c.id: module.__name__ for module in MODULES for c in module.CLAIMS}

__all__ = ["CLAIMS", "Claim", "Measurement", "Verdict", "code", "verify"]


def verify(claim_id: str, seed: int = 0) -> Verdict:
    """Run the claim's experiment and its control on `seed`; return the verdict (effect, interval, control, holds)."""
    check_choice("claim_id", claim_id, CLAIMS)
    check_int("seed", seed, 0, 2**31 - 1)
    return CLAIMS[claim_id].verify(seed)


def code(claim_id: str) -> str:
    """The version of the code that decides a claim: its module's source and all it imports (experiments included)."""
    check_choice("claim_id", claim_id, CLAIMS)
    return code_version(_MODULE_OF[claim_id])
