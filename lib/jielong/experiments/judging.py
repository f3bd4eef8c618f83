"""Stage 3: judging is easier than writing, measured on the policy's knowledge of `JUDGED_PEOPLE` people it read
about in pre-training and was never asked about (stage 3's questions come from the same people), four facts each.

Writing: the policy's greedy answer, its single most likely one (chance: naming one of the attribute's K values).
Judging: the policy shown the right fact against each wrong value in turn, finding the right one the more likely
(chance: one half). Both read the same probabilities; writing must put the right value first among every answer the
model could write, judging only above each wrong value. Sampled answers (`human_feedback`) would handicap writing
with the sampling noise, so the claim does not use them.
Defined in the chapter "Stage 3: feedback and the reward model".
"""
from __future__ import annotations

from ..base import BaseSpec
from ..evaluate import qa_answers, stop_tokens
from ..feedback import is_right
from ..models import build_model
from ..validation import check_choice, check_int
from ._common import cached
from ..worlds import World, qa_pairs
from .preferences import FEEDBACK_ATTRIBUTES, _writes_and_judges, policy_model

MODELS = ("policy", "random")
JUDGED_PEOPLE = 100


@cached
def judging_run(model: str = "policy", seed: int = 0) -> dict:
    """For each question: whether the greedy answer states the right fact, how many wrong values the
    right one beats in likelihood, and how many values the attribute has. `model` is stage 3's policy, or "random"
    (the same architecture with random parameters: the control)."""
    check_choice("model", model, MODELS)
    check_int("seed", seed, 0, 2**31 - 1)
    policy, tokenizer = policy_model(seed)
    if model == "random":
        policy = build_model(BaseSpec().preset, len(tokenizer), seed=seed)
        policy.generation_config.eos_token_id = stop_tokens(tokenizer)
        policy.generation_config.pad_token_id = tokenizer.pad_token_id
    qas = qa_pairs(World(seed).people[:JUDGED_PEOPLE], FEEDBACK_ATTRIBUTES)  # the first half, never asked about
    _, _, judges, candidates = _writes_and_judges(policy, tokenizer, qas, seed)
    answers = qa_answers(policy, tokenizer, qas)
    return {"model": model, "questions": len(qas), "people": [qa.person for qa in qas], "answers": answers,
            "writes": [is_right(a, qa) for a, qa in zip(answers, qas)], "judges": judges, "candidates": candidates}
