"""The claim of lecture 8 that the reward model gets better with more comparisons, with its control."""
from __future__ import annotations

from ..experiments.preferences import FEW_PAIRS, PAIRS
from ..experiments.reward_pairs import LARGE_HELD_OUT, reward_pairs_run
from ..stats import mean
from ._core import Claim, Measurement, paired


def _more_pairs(seed: int, labels: str = "human") -> Measurement:
    many = reward_pairs_run(PAIRS, labels, seed=seed)["ordered_right"]
    few = reward_pairs_run(FEW_PAIRS, seed=seed)["ordered_right"]
    return paired(lambda i: mean(many, i) - mean(few, i), len(many), seed)


CLAIMS = (
    Claim(
        "more-pairs-better-reward-model", 8, 3,
        "The reward model gets better with more comparisons.",
        "reward_pairs_run",
        f"accuracy on {LARGE_HELD_OUT:,} held-out pairs at the default number of comparisons ({PAIRS:,}) minus at a "
        f"tenth of them", 0.05, _more_pairs,
        "the default number of pairs with shuffled labels, against a tenth of the human's",
        lambda seed: _more_pairs(seed, "shuffled"),
    ),
)
