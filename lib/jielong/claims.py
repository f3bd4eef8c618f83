"""Every lecture claim as data: the experiment that tests it, its effect size and the threshold it must pass.

The one registry that chapters, lecture pages, tests and benchmarks all read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import experiments as ex
from .validation import check_choice, check_int


@dataclass(frozen=True)
class Claim:
    """One claim of the lectures and how an experiment measures it."""

    id: str
    lecture: int
    stage: int
    statement: str
    experiment: str
    measure: Callable[[int], float]
    effect: str
    threshold: float
    at_most: bool = False  # the effect must stay at or below the threshold instead of reaching it

    @property
    def bound(self) -> str:
        """The threshold with its direction, e.g. "≥ 0.5" or "≤ 0.1"."""
        return f"{'≤' if self.at_most else '≥'} {self.threshold:g}"

    def verify(self, seed: int = 0) -> Verdict:
        """Run the experiment on `seed` and compare its effect with the threshold."""
        check_int("seed", seed, 0, 2**31 - 1)
        effect = float(self.measure(seed))
        holds = effect <= self.threshold if self.at_most else effect >= self.threshold
        return Verdict(self.id, seed, effect, self.threshold, holds)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one claim on one seed."""

    claim_id: str
    seed: int
    effect: float
    threshold: float
    holds: bool

    def __str__(self) -> str:
        claim = CLAIMS[self.claim_id]
        mark = "holds" if self.holds else "does NOT hold"
        return (f"Claim '{self.claim_id}' {mark} on seed {self.seed}: {claim.effect} = {self.effect:.3f} "
                f"(threshold {claim.bound}).")

    def _repr_markdown_(self) -> str:
        claim = CLAIMS[self.claim_id]
        mark = "✅ holds" if self.holds else "❌ does not hold"
        return (f"**Verdict: {mark}.** *{claim.statement}* {claim.effect[0].upper()}{claim.effect[1:]}: "
                f"**{self.effect:.2f}**, threshold {claim.bound} (seed {self.seed}).")


def _cleaning_gain(seed: int) -> float:
    return ex.cleaning_run(seed=seed)["fact_accuracy"] - ex.cleaning_run(filters=(), seed=seed)["fact_accuracy"]


def _size_gain(seed: int) -> float:
    runs = ex.scaling_sweep(seed=seed)["runs"]
    return 1 - runs[-1]["val_loss"] / runs[0]["val_loss"]


def _data_gain(seed: int) -> float:
    checkpoints = ex.scaling_sweep(seed=seed)["runs"][-1]["checkpoints"]
    quarter = min(checkpoints, key=lambda c: abs(c["step"] - checkpoints[-1]["step"] / 4))
    return 1 - checkpoints[-1]["val_loss"] / quarter["val_loss"]


def _knows_not_answers(seed: int) -> float:
    result = ex.base_knowledge(seed)
    return result["fact_accuracy"] - result["qa_accuracy"]


def _initialisation_gain(seed: int) -> float:
    return (ex.sft_run("base", seed=seed)["unseen_accuracy"]
            - ex.sft_run("random", seed=seed)["unseen_accuracy"])


def _diversity_gain(seed: int) -> float:
    return (ex.sft_run("base", diversity=5, seed=seed)["unseen_accuracy"]
            - ex.sft_run("base", diversity=1, seed=seed)["unseen_accuracy"])


def _recovered(kind: str, seed: int) -> float:
    plain = ex.forgetting_run(seed=seed)
    replayed = ex.forgetting_run(replay=1.0, kind=kind, seed=seed)
    drop = plain["a_before"] - plain["a_after"]
    return (replayed["a_after"] - plain["a_after"]) / drop if drop > 0 else 0.0


def _imitated_facts(seed: int) -> float:
    unknown = ex.imitation_run(seed=seed)["unknown"]
    return unknown["accuracy"] - unknown["chance"]


def _judging_gap(seed: int) -> float:
    result = ex.human_feedback(seed)
    return result["judges_right"] - result["writes_right"]


def _relative_gap(seed: int) -> float:
    result = ex.human_feedback(seed)
    return result["same_order"] - result["same_rating"]


def _more_pairs(seed: int) -> float:
    return ex.reward_model_run(seed=seed)["accuracy"] - ex.reward_model_run(pairs=ex.FEW_PAIRS, seed=seed)["accuracy"]


def _best_of_n_gain(seed: int) -> float:
    """The true quality gained from n = 1 to 16, or 0 if it ever falls on the way (it must rise all along)."""
    result = ex.best_of_n_run(seed=seed)
    upto = result["n"].index(16) + 1
    quality = result["quality"][:upto]
    rising = all(b >= a - 0.01 for a, b in zip(quality, quality[1:]))
    return quality[-1] - quality[0] if rising else 0.0


def _kl_ratio(seed: int) -> float:
    """The smallest ratio of the measured best-of-n KL to log n - (n-1)/n over n above 1, or 0 if any ratio
    exceeds 1 (the formula is an upper bound: Beirami et al., 2024)."""
    result = ex.best_of_n_run(seed=seed)
    ratios = [kl / exact for n, kl, exact in zip(result["n"], result["kl"], result["analytic_kl"]) if n > 1]
    return min(ratios) if max(ratios) <= 1.0 + 1e-9 else 0.0


def _peak(history: list[dict]) -> tuple[float, float, float]:
    """(start, peak, end) of the true quality along a run. Each point is measured on 192 sampled answers, so the
    peak is taken on the running mean of three checkpoints, lest one lucky point pass for it."""
    quality = [h["quality"] for h in history]
    smoothed = [sum(quality[i - 1:i + 2]) / 3 for i in range(1, len(quality) - 1)]
    return quality[0], max(smoothed), quality[-1]


def _overoptimisation(seed: int) -> float:
    """How much of its gain true quality gives back after its peak, while the proxy reward rose (else 0)."""
    history = ex.rl_run(beta=ex.RL_BETAS[0], seed=seed)["history"]
    start, peak, end = _peak(history)
    proxy_rose = history[-1]["reward"] - history[0]["reward"] >= 0.5
    return (peak - end) / (peak - start) if proxy_rose and peak - start >= 0.05 else 0.0


def _kl_holds_back(seed: int) -> float:
    """How much less of its peak true quality the run with the larger KL penalty gives back by its end."""
    drops = []
    for beta in ex.RL_BETAS:
        _, peak, end = _peak(ex.rl_run(beta=beta, seed=seed)["history"])
        drops.append(peak - end)
    return drops[0] - drops[1]


def _direct_gain(method: str, seed: int) -> float:
    result = ex.direct_run(method, seed=seed)
    return result["after"]["quality"] - result["before"]["quality"]


def _verifiable_gain(seed: int) -> float:
    history = ex.verifiable_run(seed=seed)["history"]
    return history[-1]["right"] - history[0]["right"]


CLAIMS: dict[str, Claim] = {
    c.id: c
    for c in (
        Claim(
            "self-supervised-learns-facts", 6, 1,
            "Predicting the next token of raw biographies, with no labels, teaches the model the world's facts.",
            "base_knowledge", lambda seed: ex.base_knowledge(seed)["fact_accuracy"],
            "share of facts the base model completes correctly", 0.8,
        ),
        Claim(
            "cleaning-matters", 6, 1,
            "Web text must be cleaned: with junk, spam and duplicates filtered out, the same training "
            "budget learns many more facts.",
            "cleaning_run", _cleaning_gain,
            "fact accuracy with all filters minus fact accuracy on the dirty corpus", 0.2,
        ),
        Claim(
            "bigger-models-help", 6, 1,
            "A bigger model trained on the same tokens reaches a lower loss on text it has not seen.",
            "scaling_sweep", _size_gain,
            "relative drop in held-out loss from the smallest to the largest model", 0.4,
        ),
        Claim(
            "more-data-helps", 6, 1,
            "The same model keeps lowering its held-out loss as it reads more tokens.",
            "scaling_sweep", _data_gain,
            "relative drop in held-out loss of the largest model from a quarter of its tokens to all of them", 0.4,
        ),
        Claim(
            "knows-but-cannot-answer", 6, 1,
            "The pre-trained model completes 'X was born in' correctly but cannot answer 'Where was X born?': "
            "it has the knowledge without knowing how to use it.",
            "base_knowledge", _knows_not_answers,
            "fact-completion accuracy minus question-answering accuracy", 0.6,
        ),
        Claim(
            "fine-tuning-teaches-answering", 7, 2,
            "A short instruction fine-tuning (100 steps) on questions and answers teaches the pre-trained model to "
            "answer the questions it was taught.",
            "sft_run", lambda seed: ex.sft_run("base", seed=seed)["seen_accuracy"],
            "question-answering accuracy on the people in the fine-tuning data", 0.9,
        ),
        Claim(
            "pretraining-is-the-initialisation", 7, 2,
            "The pre-trained parameters are what makes fine-tuning work: the same fine-tuning from random "
            "parameters answers nothing about people outside its data.",
            "sft_run", _initialisation_gain,
            "accuracy on people not in the fine-tuning data, from the base model minus from random parameters", 0.3,
        ),
        Claim(
            "ju-yi-fan-san", 7, 2,
            "举一反三: fine-tuned on questions about some people, the model answers questions about people it only "
            "read about in pre-training, provided each biography appeared in diverse wordings.",
            "sft_run", _diversity_gain,
            "accuracy on people not in the fine-tuning data, pre-trained on 5 renderings per person minus on 1", 0.5,
        ),
        Claim(
            "lora-matches-full-fine-tuning", 7, 2,
            "An adapter (LoRA, rank 8: 7% of the weights) learns the fine-tuning data about as well as training "
            "every weight.",
            "lora_run", lambda seed: ex.full_run(seed)["seen_accuracy"] - ex.lora_run(seed=seed)["seen_accuracy"],
            "accuracy on taught people, full fine-tuning minus LoRA", 0.1, at_most=True,
        ),
        Claim(
            "lora-forgets-less", 7, 2,
            "With the pre-trained weights frozen, LoRA keeps more of what the base model knew than full fine-tuning.",
            "lora_run", lambda seed: ex.lora_run(seed=seed)["facts_after"] - ex.full_run(seed)["facts_after"],
            "share of base facts still completed after fine-tuning, LoRA minus full fine-tuning", 0.1,
        ),
        Claim(
            "lora-stays-closer", 7, 2,
            "LoRA's fine-tuned model stays closer to the pre-trained weights than full fine-tuning's.",
            "lora_run",
            lambda seed: ex.lora_run(seed=seed)["weight_distance"] / ex.full_run(seed)["weight_distance"],
            "distance from the base weights, LoRA over full fine-tuning", 0.9, at_most=True,
        ),
        Claim(
            "tasks-are-forgotten", 7, 2,
            "A model that learns task B after task A forgets task A.",
            "forgetting_run", lambda seed: (lambda r: r["a_before"] - r["a_after"])(ex.forgetting_run(seed=seed)),
            "task A accuracy before learning task B minus after", 0.3,
        ),
        Claim(
            "replay-prevents-forgetting", 7, 2,
            "Mixing real task-A examples into task B's data (as many as B's) keeps task A.",
            "forgetting_run", lambda seed: _recovered("real", seed),
            "share of task A's drop recovered by replaying real examples", 0.5,
        ),
        Claim(
            "self-replay-prevents-forgetting", 7, 2,
            "LAMOL: the model can review task A from examples it writes itself, with no task-A data kept.",
            "forgetting_run", lambda seed: _recovered("generated", seed),
            "share of task A's drop recovered by replaying the model's own examples", 0.5,
        ),
        Claim(
            "imitation-copies-style", 7, 2,
            "Fine-tuned on a stronger model's answers, a model answers in that model's style.",
            "imitation_run", lambda seed: ex.imitation_run(seed=seed)["unknown"]["format"],
            "share of answers in the teacher's style, about people not in the imitation data", 0.9,
        ),
        Claim(
            "imitation-does-not-copy-knowledge", 7, 2,
            "Imitation does not transfer knowledge: about people only the teacher knew, the student's facts are no "
            "better than guesses.",
            "imitation_run", _imitated_facts,
            "accuracy on facts only the teacher knew, minus chance", 0.1, at_most=True,
        ),
        Claim(
            "judging-is-easier-than-writing", 8, 3,
            "Judging which of two answers is better is easier than writing the better one.",
            "human_feedback", _judging_gap,
            "share of (right, wrong) pairs the policy judges right, minus the share of its own answers that are right",
            0.1,
        ),
        Claim(
            "feedback-is-relative", 8, 3,
            "Judges disagree on absolute scores but agree on which of two answers is better.",
            "human_feedback", _relative_gap,
            "share of answer pairs two labellers order alike, minus the share of answers they give the same score",
            0.3,
        ),
        Claim(
            "reward-model-imitates-the-human", 8, 3,
            "A reward model trained on the human's comparisons predicts their preferences on new pairs.",
            "reward_model_run", lambda seed: ex.reward_model_run(seed=seed)["accuracy"],
            "held-out pairwise accuracy (against the true order) at the default number of pairs", 0.75,
        ),
        Claim(
            "more-pairs-better-reward-model", 8, 3,
            "The reward model gets better with more comparisons.",
            "reward_model_run", _more_pairs,
            "held-out accuracy at the default number of pairs minus at a tenth of them", 0.05,
        ),
        Claim(
            "best-of-n-improves", 8, 3,
            "Keeping the best of n answers by the reward model's score gives better answers as n grows.",
            "best_of_n_run", _best_of_n_gain,
            "true quality at n = 16 minus at n = 1 (0 unless it rises at every n up to 16)", 0.2,
        ),
        Claim(
            "best-of-n-kl", 8, 3,
            "Best-of-n moves the answers about log n - (n-1)/n nats away from the policy: never more, and exactly "
            "that far only when no two answers are the same.",
            "best_of_n_run", _kl_ratio,
            "smallest ratio of the measured KL to log n - (n-1)/n, n from 2 to 32 (0 if any ratio is above 1)", 0.6,
        ),
        Claim(
            "over-optimising-the-reward-model", 8, 3,
            "Learning too much from the virtual human hurts: its score keeps rising while true quality rises, then "
            "falls.",
            "rl_run", _overoptimisation,
            "share of its gain true quality gives back after its peak (small KL penalty; the proxy must rise)", 0.25,
        ),
        Claim(
            "kl-penalty-holds-back", 8, 3,
            "A KL penalty that keeps the policy near where it started holds the over-optimisation back.",
            "rl_run", _kl_holds_back,
            "true quality given back after the peak with the small penalty minus with the large one", 0.05,
        ),
        Claim(
            "dpo-improves", 8, 3,
            "DPO learns from the preferences directly, with no reward model, and improves the answers.",
            "direct_run", lambda seed: _direct_gain("dpo", seed),
            "true quality after DPO minus before", 0.05,
        ),
        Claim(
            "kto-improves", 8, 3,
            "KTO learns from unpaired thumbs-up and thumbs-down and improves the answers.",
            "direct_run", lambda seed: _direct_gain("kto", seed),
            "true quality after KTO minus before", 0.02,
        ),
        Claim(
            "grpo-verifiable-reward", 8, 3,
            "With a reward that checks answers against the facts (DeepSeek's GRPO recipe), accuracy rises with "
            "training.",
            "verifiable_run", _verifiable_gain,
            "share of right answers after GRPO minus before", 0.2,
        ),
        Claim(
            "ai-judge-agrees", 8, 3,
            "RLAIF: a model can give the feedback, even to itself; its judgments mostly agree with the human's.",
            "rlaif_run", lambda seed: ex.rlaif_run("self", seed)["accuracy"],
            "share of held-out pairs with a better answer on which the policy, as judge, prefers the one the human "
            "prefers", 0.7,
        ),
    )
}


def verify(claim_id: str, seed: int = 0) -> Verdict:
    """Run the claim's experiment on `seed` and return its verdict (effect, threshold, holds)."""
    check_choice("claim_id", claim_id, CLAIMS)
    return CLAIMS[claim_id].verify(seed)


def table(lecture: int):
    """The claims of one lecture as a Markdown table (for the lecture pages)."""
    from IPython.display import Markdown

    check_choice("lecture", lecture, (6, 7, 8))
    rows = ["| claim | statement | effect measured | threshold |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.id}` | {c.statement} | {c.effect} | {c.bound} |"
             for c in CLAIMS.values() if c.lecture == lecture]
    return Markdown("\n".join(rows))
