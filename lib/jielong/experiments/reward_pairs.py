"""Stage 3: does the reward model get better with more comparisons? Reward models trained on the default number of
the human's comparisons and on a tenth of them, tested on the same large set of held-out pairs: `LARGE_HELD_OUT`
pairs of the policy's answers drawn apart from stage 3's data, none of them a training pair of either model.

`reward_model_run` tests on stage 3's 300 held-out pairs, too few to tell a gain of a few points from luck. Every model
passes over its comparisons equally often (the default model's 300 steps of 32 make about three passes over 3,000
pairs; a tenth of the pairs gets a tenth of the steps): at equal steps, the small set would be passed over ten times
as often and fitted to its noise, which makes more pairs look better even when their labels are coin flips.
Defined in the chapter "Stage 3: more comparisons, and best-of-n".
"""
from __future__ import annotations

import functools

from ..feedback import Human
from ..validation import check_choice, check_int
from ._common import cached
from .preferences import FEW_PAIRS, PAIRS, _pairs, feedback_questions, pair_key, policy_model, preference_data
from .reward import LABELS, REWARD_STEPS, coin_labels, held_out_order, reward_model, train_reward_model

LARGE_HELD_OUT = 1500
SIZES = (FEW_PAIRS, PAIRS)


@functools.lru_cache(maxsize=2)
def large_held_out(seed: int = 0) -> list[dict]:
    """`LARGE_HELD_OUT` preference pairs labelled by the human, none a training pair of any size in `SIZES` (kept in
    memory for the session: do not change the rows)."""
    check_int("seed", seed, 0, 2**31 - 1)
    policy, tokenizer = policy_model(seed)
    trained = {pair_key(r) for n in SIZES for r in preference_data(seed, n)[0]}
    questions, human = feedback_questions(seed), Human()
    drawn = _pairs(policy, tokenizer, questions, 4 * LARGE_HELD_OUT, seed + 20_000, human.prefers_first)
    return [r for r in drawn if pair_key(r) not in trained][:LARGE_HELD_OUT]


@cached
def reward_pairs_run(pairs: int = PAIRS, labels: str = "human", seed: int = 0) -> dict:
    """A reward model trained as `reward_model_run` trains it (`pairs` comparisons, the human's labels or shuffled
    ones) for `REWARD_STEPS` * pairs / `PAIRS` steps, tested on `large_held_out(seed)`: whether it orders each pair
    with a better answer as the truth does, and the question each of those pairs asks (the pairs about one question
    are not independent)."""
    check_choice("pairs", pairs, SIZES)
    check_choice("labels", labels, LABELS)
    held = large_held_out(seed)
    if (pairs, labels) == (PAIRS, "human"):
        model, tokenizer = reward_model(seed)  # the chapter's cached default model
    else:
        train = preference_data(seed, pairs)[0]
        model = train_reward_model(train if labels == "human" else coin_labels(train, seed),
                                   REWARD_STEPS * pairs // PAIRS, seed)[0]
        tokenizer = policy_model(seed)[1]
    return {"pairs": pairs, "labels": labels, "steps": REWARD_STEPS * pairs // PAIRS, "held_out": len(held),
            **held_out_order(model, tokenizer, held),
            "ordered_questions": [r["qa"].question for r in held if r["gap"] != 0]}  # one per "ordered_right" item
