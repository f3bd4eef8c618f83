"""Stage 3: feedback is relative. A panel of simulated labellers rates the policy's answers on 1-10 scales of their own
and compares them in pairs; their agreement, above chance, on the ratings and on which answer is better.

Every question gets `PAIRS_PER_QUESTION` pairs of the policy's answers (the answers `human_feedback` samples, taken
two by two), so that the agreement on the order rests on a few hundred pairs, not one pair a question.
Defined in the chapter "Stage 3: feedback and the reward model".
"""
from __future__ import annotations

import random

from ..evaluate import sample_answers
from ..feedback import PANEL, Human, true_quality
from ..validation import check_choice, check_int
from ._common import cached
from .preferences import SAME_SCALE_PANEL, WRITTEN, feedback_questions, panel_agreement, policy_model

PAIRS_PER_QUESTION = WRITTEN // 2
PANELS = {"own scales": PANEL, "one scale": SAME_SCALE_PANEL}


@cached
def panel_run(panel: str = "own scales", seed: int = 0) -> dict:
    """The panel's ratings of every pair of the policy's answers (`PAIRS_PER_QUESTION` per question) and which pairs
    have a better answer. Pair j asks question j // PAIRS_PER_QUESTION; its answers are rated at j and j + pairs."""
    check_choice("panel", panel, PANELS)
    check_int("seed", seed, 0, 2**31 - 1)
    policy, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    written = sample_answers(policy, tokenizer, qas, n=WRITTEN, seed=seed)
    asked = [qa for qa in qas for _ in range(PAIRS_PER_QUESTION)]
    first = [answers[2 * k] for answers in written for k in range(PAIRS_PER_QUESTION)]
    second = [answers[2 * k + 1] for answers in written for k in range(PAIRS_PER_QUESTION)]
    rated = list(zip(asked + asked, first + second))

    def ratings_of(human: Human) -> list[int]:
        return [human.rate(a, qa, random.Random(f"panel-{panel}-{seed}-{human.seed}-{i}")) for i, (qa, a) in
                enumerate(rated)]

    ratings = [ratings_of(h) for h in PANELS[panel]]
    decided = [true_quality(a, qa) != true_quality(b, qa) for qa, a, b in zip(asked, first, second)]
    return {"panel": panel, "questions": len(qas), "pairs": len(asked), "ratings": ratings, "decided": decided,
            **panel_agreement(ratings, len(asked), decided)}


def question_agreement(run: dict, questions: list[int] | None = None) -> dict:
    """`panel_agreement` of a `panel_run` on the pairs of the given questions (a bootstrap resample of questions)."""
    picked = None if questions is None else [q * PAIRS_PER_QUESTION + k for q in questions
                                             for k in range(PAIRS_PER_QUESTION)]
    return panel_agreement(run["ratings"], run["pairs"], run["decided"], picked)
