"""Stage 3: AI feedback (RLAIF). A model judges pairs of answers in the human's place, and its labels can train the
policy. Defined in the chapter "Stage 3: rewards that check answers, and AI feedback".
"""
from __future__ import annotations

import functools
import random

from transformers import PreTrainedModel

from ..base import BaseSpec, base_model
from ..evaluate import answer_logprobs
from ..feedback import EXCLAMATION, exclamations
from ..validation import check_choice
from ._common import cached
from .preferences import pair_accuracy, policy_model, preference_data

JUDGES = ("self", "base", "length")


def _judge_model(judge: str, seed: int) -> PreTrainedModel:
    """The model that judges: the policy itself, or the pre-trained base model it was fine-tuned from."""
    check_choice("judge", judge, JUDGES[:2])
    return policy_model(seed)[0] if judge == "self" else base_model(BaseSpec(world_seed=seed, seed=seed))[0]


def _content(answer: str) -> str:
    """What an answer states, its "!" left out."""
    return " ".join(answer.replace(EXCLAMATION, " ").split()) or EXCLAMATION


def _friendliness(answer: str) -> int:
    """The judge's written principle (its constitution): one "!" is friendly, none is plain, more is shouting."""
    k = exclamations(answer)
    return 1 if k == 1 else -(k - 1) if k > 1 else 0


def _judged(rows: list[dict], judge: str, seed: int) -> list[bool]:
    """For each pair, whether the judge prefers the answer the human chose.

    Like RLAIF's judges, which follow written principles, a model judges by what it believes and by one principle: of
    two answers that state different things, it prefers the one it finds more likely (the "!" left out: it judges the
    content); of two that state the same thing, the friendlier by its principle. A tiny model cannot read a
    principle, so that one is applied as a rule (and the claim is measured only where content decides). The
    "length" judge, the control, prefers the longer answer and knows nothing (a tie goes to a coin).
    """
    if judge == "length":
        rng = random.Random(f"length-{seed}")
        return [len(r["chosen"]) > len(r["rejected"]) if len(r["chosen"]) != len(r["rejected"]) else rng.random() < 0.5
                for r in rows]
    model, tokenizer = _judge_model(judge, seed), policy_model(seed)[1]
    qas = [r["qa"] for r in rows]
    chosen = answer_logprobs(model, tokenizer, qas, [_content(r["chosen"]) for r in rows])
    rejected = answer_logprobs(model, tokenizer, qas, [_content(r["rejected"]) for r in rows])
    return [c > j if _content(r["chosen"]) != _content(r["rejected"])
            else _friendliness(r["chosen"]) > _friendliness(r["rejected"])
            for r, c, j in zip(rows, chosen, rejected)]


@functools.lru_cache(maxsize=4)
def ai_preference_data(seed: int = 0, judge: str = "self") -> list[dict]:
    """The human's training pairs relabelled by a model (RLAIF): the answer the judge prefers is chosen."""
    rows = preference_data(seed)[0]
    agree = _judged(rows, judge, seed)
    return [r if a else {**r, "chosen": r["rejected"], "rejected": r["chosen"], "gap": -r["gap"]}
            for r, a in zip(rows, agree)]


@cached
def rlaif_run(judge: str = "self", seed: int = 0) -> dict:
    """A model as the judge (RLAIF), on held-out pairs (none a training pair): how often it sides with the simulated
    human's recorded label on the pairs whose answers state different facts, one of them right (where its own belief
    decides, no rule), and how it orders the pairs against the truth. Defined in the chapter "Stage 3: rewards that
    check answers, and AI feedback"."""
    check_choice("judge", judge, JUDGES)
    _, held = preference_data(seed)
    agree = _judged(held, judge, seed)
    # Pairs whose answers state different facts, one of them right: there the judge's belief alone decides.
    content = [i for i, r in enumerate(held)
               if _content(r["chosen"]) != _content(r["rejected"]) and abs(r["gap"]) >= 0.7]
    return {"judge": judge, "pairs": len(held), "decided": sum(r["gap"] != 0 for r in held),
            "content_pairs": len(content), "agrees_with_human": [agree[i] for i in content],
            "human_agreement": sum(agree[i] for i in content) / max(1, len(content)),
            **pair_accuracy(agree, held)}
