"""The claims of lecture 7 (stage 2, instruction fine-tuning, LoRA, forgetting, imitation), each with its control."""
from __future__ import annotations

from ..experiments.fine_tuning import full_run, lora_run, sft_run
from ..experiments.forgetting import forgetting_run
from ..experiments.imitation import imitation_run
from ..stats import mean, wilson
from ._core import Claim, Measurement, paired, rate


def _difference(a: list, b: list, seed: int, *floors: tuple[str, bool]) -> Measurement:
    """Share in `a` minus share in `b` over the same items, with its paired bootstrap interval."""
    return paired(lambda i: mean(a, i) - mean(b, i), len(a), seed, *floors)


def _learnt(run: dict, who: str) -> tuple[str, bool]:
    return f"{who} answers ≥ 0.8 of its taught questions", run["seen_accuracy"] >= 0.8


def _taught(seed: int) -> Measurement:
    return rate(sft_run("base", seed=seed)["seen_correct"])


def _taught_before(seed: int) -> Measurement:
    return rate(sft_run("base", seed=seed)["seen_before_correct"])


def _initialisation(seed: int) -> Measurement:
    return _difference(sft_run("base", seed=seed)["unseen_correct"],
                       sft_run("random", seed=seed)["unseen_correct"], seed)


def _initialisation_unread(seed: int) -> Measurement:
    return _difference(sft_run("unread", seed=seed)["unseen_correct"],
                       sft_run("random", seed=seed)["unseen_correct"], seed)


def _diversity(seed: int, people: str = "unseen") -> Measurement:
    return _difference(sft_run("base", diversity=5, seed=seed)[f"{people}_correct"],
                       sft_run("base", diversity=1, seed=seed)[f"{people}_correct"], seed)


def _lora_gap(seed: int) -> Measurement:
    lora, full = lora_run(seed=seed), full_run(seed)
    return _difference(full["seen_correct"], lora["seen_correct"], seed, _learnt(lora, "LoRA"))


def _never_trained(lora: dict) -> tuple[str, bool]:
    """The floor an adapter that never trained (the base model itself) must fail: it learnt its taught questions."""
    return "the adapter answers ≥ 0.8 of its taught questions", lora["seen_before_accuracy"] >= 0.8


def _never_moved_gap(seed: int) -> Measurement:
    """An adapter that never trained is the base model itself."""
    lora, full = lora_run(seed=seed), full_run(seed)
    return Measurement(full["seen_accuracy"] - lora["seen_before_accuracy"],
                       floors=(_never_trained(lora),))


def _lora_keeps(seed: int) -> Measurement:
    lora, full = lora_run(seed=seed), full_run(seed)
    return _difference(lora["facts_after_correct"], full["facts_after_correct"], seed,
                       _learnt(lora, "LoRA"), _learnt(full, "full fine-tuning"))


def _never_moved_keeps(seed: int) -> Measurement:
    lora, full = lora_run(seed=seed), full_run(seed)
    return Measurement(lora["facts_before"] - full["facts_after"],
                       floors=(_never_trained(lora),))


def _lora_distance(seed: int) -> Measurement:
    lora, full = lora_run(seed=seed), full_run(seed)
    return Measurement(lora["weight_distance"] / full["weight_distance"], floors=(_learnt(lora, "LoRA"),))


def _never_moved_distance(seed: int) -> Measurement:
    lora = lora_run(seed=seed)
    return Measurement(0.0, floors=(_never_trained(lora),))


def _drop(run: dict, seed: int) -> Measurement:
    return _difference(run["a_before_correct"], run["a_after_correct"], seed,
                       ("task B learnt (+0.5 or more)", run["b_after"] >= run["b_before"] + 0.5))


def _forgotten(seed: int) -> Measurement:
    return _drop(forgetting_run(seed=seed), seed)


def _barely_trained(seed: int) -> Measurement:
    return _drop(forgetting_run(lr=2e-5, seed=seed), seed)


def _recovered(kind: str, seed: int) -> Measurement:
    plain, replayed = forgetting_run(seed=seed), forgetting_run(replay=1.0, kind=kind, seed=seed)
    before, lost, kept = plain["a_before_correct"], plain["a_after_correct"], replayed["a_after_correct"]

    def statistic(i: list[int] | None) -> float:
        drop = mean(before, i) - mean(lost, i)
        return (mean(kept, i) - mean(lost, i)) / drop if drop > 0 else 0.0

    learnt = ("task B learnt with replay (+0.5 or more)", replayed["b_after"] >= replayed["b_before"] + 0.5)
    return paired(statistic, len(before), seed, learnt)


def _style(seed: int) -> Measurement:
    return rate(imitation_run(seed=seed)["unknown"]["styled"])


def _style_before(seed: int) -> Measurement:
    return rate(imitation_run(seed=seed)["unknown_before"]["styled"])


def _above_chance(scored: dict, *floors: tuple[str, bool]) -> Measurement:
    k, n = sum(scored["right"]), len(scored["right"])
    low, high = wilson(k, n)
    return Measurement(k / n - scored["chance"], (low - scored["chance"], high - scored["chance"]), floors)


def _imitated_facts(seed: int) -> Measurement:
    run = imitation_run(seed=seed)
    known = run["known"]
    return _above_chance(run["unknown"], ("the style is learnt (≥ 0.9)", run["unknown"]["format"] >= 0.9),
                         ("facts it read are used (≥ 0.3 above chance)", known["accuracy"] - known["chance"] >= 0.3))


def _read_facts(seed: int) -> Measurement:
    return _above_chance(imitation_run(seed=seed)["known"])


def _replay_claim(claim_id: str, kind: str, statement: str, replayed: str) -> Claim:
    """A replay claim: the share of task A's drop that replaying `kind` examples recovers; the control replays B."""
    return Claim(claim_id, 7, 2, statement, "forgetting_run",
                 f"share of task A's drop recovered by replaying {replayed}", 0.5, lambda seed: _recovered(kind, seed),
                 "replaying as many of task B's own examples (no task A)", lambda seed: _recovered("task-b", seed))


CLAIMS = (
    Claim(
        "fine-tuning-teaches-answering", 7, 2,
        "A short instruction fine-tuning (200 steps) on questions and answers teaches the pre-trained model to answer "
        "the questions it was taught.",
        "sft_run", "question-answering accuracy on the people in the fine-tuning data", 0.9, _taught,
        "the same questions asked of the base model before fine-tuning", _taught_before,
    ),
    Claim(
        "pretraining-is-the-initialisation", 7, 2,
        "The pre-trained parameters are what makes fine-tuning work: the same fine-tuning from random parameters "
        "answers nothing about people outside its data.",
        "sft_run", "accuracy on people not in the fine-tuning data, from the base model minus from random parameters",
        0.3, _initialisation,
        "the same gain from a base model that never read about the people it is tested on", _initialisation_unread,
    ),
    Claim(
        "ju-yi-fan-san", 7, 2,
        "举一反三: fine-tuned on questions about some people, the model answers questions about people it only read "
        "about in pre-training, provided each biography appeared in diverse wordings.",
        "sft_run", "accuracy on people not in the fine-tuning data, pre-trained on 5 renderings per person minus on 1",
        0.5, _diversity,
        "the same difference on the people it was taught (no 举一反三 needed)", lambda seed: _diversity(seed, "seen"),
    ),
    Claim(
        "lora-matches-full-fine-tuning", 7, 2,
        "An adapter (LoRA, rank 8: 7% of the weights) learns the fine-tuning data about as well as training every "
        "weight.",
        "lora_run", "accuracy on taught people, full fine-tuning minus LoRA", 0.1, _lora_gap,
        "an adapter that never trained (the base model)", _never_moved_gap, at_most=True,
    ),
    Claim(
        "lora-forgets-less", 7, 2,
        "With the pre-trained weights frozen, LoRA keeps more of what the base model knew than full fine-tuning.",
        "lora_run", "share of base facts still completed after fine-tuning, LoRA minus full fine-tuning", 0.1,
        _lora_keeps,
        "an adapter that never trained (it keeps everything, and learns nothing)", _never_moved_keeps,
    ),
    Claim(
        "lora-stays-closer", 7, 2,
        "LoRA's fine-tuned model stays closer to the pre-trained weights than full fine-tuning's.",
        "lora_run", "distance from the base weights, LoRA over full fine-tuning", 0.9, _lora_distance,
        "an adapter that never trained (distance 0, and nothing learnt)", _never_moved_distance, at_most=True,
    ),
    Claim(
        "tasks-are-forgotten", 7, 2,
        "A model that learns task B after task A forgets task A.",
        "forgetting_run", "task A accuracy before learning task B minus after", 0.3, _forgotten,
        "the same run at a hundredth of the learning rate (task B is not learnt)", _barely_trained,
    ),
    _replay_claim("replay-prevents-forgetting", "real",
                  "Mixing real task-A examples into task B's data (as many as B's) keeps task A, even on the task-A "
                  "questions it never replays.", "real examples"),
    _replay_claim("self-replay-prevents-forgetting", "generated",
                  "LAMOL: the model can review task A from examples it writes itself, with no task-A data kept.",
                  "the model's own examples"),
    Claim(
        "imitation-copies-style", 7, 2,
        "Fine-tuned on a stronger model's answers, a model answers in that model's style.",
        "imitation_run", "share of answers in the teacher's style, about people not in the imitation data", 0.9,
        _style,
        "the same student before imitation", _style_before,
    ),
    Claim(
        "imitation-does-not-copy-knowledge", 7, 2,
        "Imitation does not transfer knowledge: about people only the teacher knew, the student's facts are no better "
        "than guesses.",
        "imitation_run", "accuracy on facts only the teacher knew, minus chance", 0.1, _imitated_facts,
        "the same student on people it read about in pre-training", _read_facts, at_most=True,
    ),
)
