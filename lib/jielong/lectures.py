"""The lecture pages: where each claim is shown in the book, and each lecture's claims as a table with verdicts.

Kept apart from `claims`, whose code version stamps the verification record (`make verify`): where a claim is shown
and how a page lays it out change no number.
"""
from __future__ import annotations

from .claims import CLAIMS
from .validation import check_choice, check_int

# Where a chapter shows each claim: "<chapter>#<heading anchor>", the heading under which the chapter prints its
# verdict (tests/test_lectures.py derives this from the notebooks). The lecture pages link there.
SECTIONS: dict[str, str] = {
    "learning-rate-decides": "stage0_background#searching-for-parameters-the-hyperparameters-decide",
    "training-succeeds-testing-fails": "stage0_background#training-succeeds-testing-fails",
    "diverse-data-fixes-the-shortcut": "stage0_background#two-fixes-diverse-data-and-a-good-prior",
    "a-good-prior-fixes-the-shortcut": "stage0_background#two-fixes-diverse-data-and-a-good-prior",
    "self-supervised-learns-facts": "stage1_pretraining#the-base-model-learns-the-worlds-facts",
    "cleaning-matters": "stage1_cleaning#cleaning-the-web",
    "bigger-models-help": "stage1_pretraining#scale-bigger-models-more-data",
    "more-data-helps": "stage1_pretraining#scale-bigger-models-more-data",
    "knows-but-cannot-answer": "stage1_pretraining#it-knows-but-it-cannot-answer",
    "fine-tuning-teaches-answering": "stage2_instruction#fine-tuning-teaches-the-model-to-answer",
    "pretraining-is-the-initialisation": "stage2_instruction#why-not-train-on-the-teachers-data-alone",
    "quality-beats-quantity": "stage2_instruction_data#how-much-teaching-data-and-how-good",
    "ju-yi-fan-san": "stage2_ju_yi_fan_san#stage-2-举一反三-learn-one-and-infer-three",
    "lora-matches-full-fine-tuning": "stage2_lora#lora-against-full-fine-tuning",
    "lora-forgets-less": "stage2_lora#lora-against-full-fine-tuning",
    "lora-stays-closer": "stage2_lora#lora-against-full-fine-tuning",
    "adapters-are-a-family": "stage2_lora#adapters-are-a-family-ia3",
    "tasks-are-forgotten": "stage2_forgetting#stage-2-learning-one-task-after-another-and-forgetting",
    "replay-prevents-forgetting": "stage2_forgetting#replay-review-the-old-task",
    "self-replay-prevents-forgetting": "stage2_forgetting#replay-review-the-old-task",
    "imitation-copies-style": "stage2_imitation#stage-2-imitating-a-stronger-model",
    "imitation-does-not-copy-knowledge": "stage2_imitation#stage-2-imitating-a-stronger-model",
    "judging-is-easier-than-writing": "stage3_feedback#a-simulated-human",
    "feedback-is-relative": "stage3_feedback#a-simulated-human",
    "reward-model-imitates-the-human": "stage3_feedback#a-reward-model-imitates-the-human",
    "more-pairs-better-reward-model": "stage3_best_of_n#how-many-comparisons",
    "best-of-n-improves": "stage3_best_of_n#best-of-n-let-the-reward-model-choose",
    "best-of-n-kl": "stage3_best_of_n#best-of-n-let-the-reward-model-choose",
    "over-optimising-the-reward-model": "stage3_rlhf#learning-from-a-virtual-teacher-and-learning-too-much",
    "kl-penalty-holds-back": "stage3_rlhf#learning-from-a-virtual-teacher-and-learning-too-much",
    "dpo-improves": "stage3_dpo_kto#dpo-and-kto-from-the-same-comparisons",
    "kto-improves": "stage3_dpo_kto#dpo-and-kto-from-the-same-comparisons",
    "grpo-verifiable-reward": "stage3_grpo_rlaif#grpo-with-a-verifiable-reward",
    "ai-judge-agrees": "stage3_grpo_rlaif#rlaif-a-model-gives-the-feedback",
}


def table(lecture: int, seed: int = 0):
    """One lecture's claims as a Markdown table: each claim's verdict on `seed` (measured now; quick once the chapters
    have run, as the book build runs them first), its effect beside its threshold, its control, and a link to the
    chapter section that shows it."""
    from IPython.display import Markdown

    check_choice("lecture", lecture, (6, 7, 8))
    check_int("seed", seed, 0, 2**31 - 1)
    rows = ["| claim | statement | verdict | effect (threshold) | control (what would have made it fail) | shown in |",
            "| --- | --- | --- | --- | --- | --- |"]
    for claim in (c for c in CLAIMS.values() if c.lecture == lecture):
        v = claim.verify(seed)
        mark = "✅ holds" if v.holds else "❌ does not hold"
        if claim.not_shown:  # it may hold on this seed, but not on every seed: the chapter says why
            mark = f"⚠️ not shown at this scale (on seed {seed}: {'holds' if v.holds else 'fails'})"
        interval = "" if v.interval is None else f" [{v.interval[0]:.2f}, {v.interval[1]:.2f}]"
        chapter, anchor = SECTIONS[claim.id].split("#")
        rows.append(f"| `{claim.id}` | {claim.statement} | {mark} | {v.effect:.2f}{interval} ({claim.bound}) | "
                    f"{claim.control}: {v.control:.2f} | [{chapter}](../book/{chapter}.ipynb#{anchor}) |")
    return Markdown("\n".join(rows))
