"""The claim of lecture 8 that the reward model gets better with more comparisons, with its control."""
from __future__ import annotations

from ..experiments.preferences import FEW_PAIRS, PAIRS
from ..experiments.reward_pairs import LARGE_HELD_OUT, reward_pairs_run
from ._clusters import clustered_difference
from ._core import Claim, Measurement


def _more_pairs(seed: int, labels: str = "human") -> Measurement:
    """Held-out accuracy with the default number of comparisons minus with a tenth, both labelled by `labels`,
    resampled by question."""
    many, few = (reward_pairs_run(n, labels, seed=seed) for n in (PAIRS, FEW_PAIRS))
    return clustered_difference(many["ordered_right"], few["ordered_right"], many["ordered_questions"], seed)


CLAIMS = (
    Claim(
        "more-pairs-better-reward-model", 8, 3,
        "The reward model gets better with more comparisons.",
        "reward_pairs_run",
        f"accuracy on {LARGE_HELD_OUT:,} held-out pairs at the default number of comparisons ({PAIRS:,}) minus at a "
        f"tenth of them, each model passing over its comparisons equally often", 0.05, _more_pairs,
        "the same difference when both reward models learn from shuffled labels (a coin decides each comparison)",
        lambda seed: _more_pairs(seed, "shuffled"),
    ),
)
