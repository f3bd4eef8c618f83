"""Stage 3: a reward model trained on the human's comparisons (trl's RewardTrainer), and best-of-n with it.

Defined in the chapters "Stage 3: feedback and the reward model" (the reward model) and "more comparisons,
and best-of-n" (best-of-n).
"""
from __future__ import annotations

import math
import random
import threading
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, PreTrainedModel, PreTrainedTokenizerFast

from .. import cache
from ..evaluate import rewards, sample_answers
from ..feedback import EXCLAMATION, Human, exclamations, is_right, true_quality
from ..models import device, quiet_progress
from ..train import TrainResult, check_training_knobs, reward_modelling
from ..validation import check_choice, check_int
from ..worlds import QA, VALUES
from ._common import Event, cached, loss_events
from .preferences import (FACT_GAP, PAIRS, POLICY, as_conversations, feedback_questions, pair_accuracy, policy_model,
                          preference_data)

REWARD_STEPS = 300
REWARD_LR = 2e-3  # at 1e-3 the reward model underfits its 3000 comparisons (0.79 to 0.80 held out, seeds 0, 7)
LABELS = ("human", "shuffled")


def _reward_folder(seed: int) -> Path:
    recipe = cache.key(seed, POLICY, PAIRS, REWARD_STEPS, REWARD_LR, str(Human()), cache.code_version(__name__))
    return cache.cache_dir() / "models" / f"reward-{recipe}"


def _probe_answers(qa: QA) -> dict[str, str]:
    """The answers a reward model is probed with: right or wrong, with 0 to 3 "!"."""
    wrong = next(v for v in VALUES[qa.attribute] if v != qa.answer)
    return {f"{kind}{EXCLAMATION * k}": f"{value}{EXCLAMATION * k}"
            for kind, value in (("right", qa.answer), ("wrong", wrong)) for k in range(4)}


def coin_labels(rows: list[dict], seed: int) -> list[dict]:
    """The control's labels: in each kind of pair (which answer is truly better, by a fact or by friendliness), the
    chosen and rejected answers of half the pairs, drawn at random, swapped.

    A coin per pair can by luck favour the worse answer in one kind (seed 6's 300 pairs did, and its reward model
    learnt to prefer wrong facts); half of each kind leaves the labels nothing to teach about quality.
    """
    rng = random.Random(f"shuffled-{seed}")
    kinds: dict[tuple[int, bool], list[int]] = {}
    for i, r in enumerate(rows):
        kinds.setdefault(((r["gap"] > 0) - (r["gap"] < 0), abs(r["gap"]) >= FACT_GAP), []).append(i)
    swapped = set()
    for kind in sorted(kinds):
        members = kinds[kind]
        rng.shuffle(members)
        swapped.update(members[: len(members) // 2 + (len(members) % 2 and rng.random() < 0.5)])
    return [{**r, "chosen": r["rejected"], "rejected": r["chosen"]} if i in swapped else r for i, r in enumerate(rows)]


def train_reward_model(rows: list[dict], steps: int, seed: int, lr: float = REWARD_LR, *,
                       callback: Event | None = None, stop: threading.Event | None = None) -> tuple[PreTrainedModel,
                                                                                                   TrainResult]:
    """A reward model trained with trl's RewardTrainer on preference `rows`, in batches of 32: a sequence classifier
    on the policy's body (so that it knows the world's facts), its new output layer seeded. Returned in eval mode."""
    policy, tokenizer = policy_model(seed)
    torch.manual_seed(seed)  # the new output layer's initial weights, whatever ran before
    with quiet_progress():
        model = AutoModelForSequenceClassification.from_pretrained(policy.name_or_path, num_labels=1).to(device())
    model.config.pad_token_id = tokenizer.pad_token_id
    run = reward_modelling(model, tokenizer, as_conversations(rows), steps=steps, lr=lr, batch_size=32, seed=seed,
                           callback=loss_events(callback), stop=stop, progress=False)
    return model.eval(), run


def held_out_order(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, held: list[dict]) -> dict:
    """`pair_accuracy` of a reward model on preference rows: whether it scores each chosen answer above the other."""
    qas = [r["qa"] for r in held]
    chosen = rewards(model, tokenizer, qas, [r["chosen"] for r in held])
    rejected = rewards(model, tokenizer, qas, [r["rejected"] for r in held])
    return pair_accuracy([c > r for c, r in zip(chosen, rejected)], held)


@cached
def reward_model_run(pairs: int = PAIRS, steps: int = REWARD_STEPS, lr: float = REWARD_LR, seed: int = 0,
                     labels: str = "human", *, callback: Event | None = None,
                     stop: threading.Event | None = None) -> dict:
    """Train a reward model with trl's RewardTrainer on `pairs` labelled pairs; test it on held-out pairs (none of them
    a training pair). `labels` are the human's, or "shuffled" (the control: `coin_labels`).

    The reward model starts from the policy (a sequence classifier on its body, so that it knows the world's
    facts). The default run is the cached `reward_model(seed)`: trained once, then loaded with its training record.
    """
    check_training_knobs(steps, lr, 32, seed)
    check_choice("labels", labels, LABELS)
    train, held = preference_data(seed, pairs)
    tokenizer = policy_model(seed)[1]
    folder = _reward_folder(seed)
    default = (pairs, steps, lr, labels) == (PAIRS, REWARD_STEPS, REWARD_LR, "human")
    record = cache.read_json(folder / "training.json") if default and callback is None else None
    if record is not None:
        model = reward_model(seed)[0]
    else:
        model, run = train_reward_model(train if labels == "human" else coin_labels(train, seed), steps, seed, lr,
                                        callback=callback, stop=stop)
        record = {"steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve}
        if default and not run.stopped:
            with cache.building(folder) as scratch:
                if scratch is not None:
                    with quiet_progress():
                        model.save_pretrained(scratch)
                    cache.write_json(scratch / "training.json", record)
    probes = feedback_questions(seed)[:20]
    probe_scores = {name: 0.0 for name in _probe_answers(probes[0])}
    for qa in probes:
        answers = _probe_answers(qa)
        for name, score in zip(answers, rewards(model, tokenizer, [qa] * len(answers), list(answers.values()))):
            probe_scores[name] += score / len(probes)
    return {"pairs": pairs, "labels": labels, **record, "held_out": len(held), **held_out_order(model, tokenizer, held),
            "probe_scores": probe_scores,
            "human_agreement": sum(r["gap"] > 0 for r in held if r["gap"] != 0) / sum(r["gap"] != 0 for r in held)}


def reward_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The default reward model (3000 pairs, 300 steps), trained on first use and cached; returns (model, tokenizer)."""
    check_int("seed", seed, 0, 2**31 - 1)
    if not _reward_folder(seed).is_dir():
        reward_model_run(seed=seed, use_cache=False)
    with quiet_progress():
        model = AutoModelForSequenceClassification.from_pretrained(str(_reward_folder(seed))).to(device())
    return model.eval(), policy_model(seed)[1]


BEST_OF = (1, 2, 4, 8, 16, 32)
SIMULATED_DRAWS = 4000  # best-of-n selections simulated per question and n, to check the exact distribution


def best_of_n_masses(p: list[float], n: int) -> list[float]:
    """The exact chance that each answer wins a best-of-n draw, for answers listed from the lowest score to the
    highest with policy probabilities `p`: (P(below) + p)^n - P(below)^n."""
    masses, below = [], 0.0
    for share in p:
        masses.append((below + share) ** n - below**n)
        below += share
    return masses


def _kl(q: list[float], p: list[float]) -> float:
    return sum(a * math.log(a / b) for a, b in zip(q, p) if a > 0)


@cached
def best_of_n_run(samples: int = 64, seed: int = 0) -> dict:
    """Best-of-n with the reward model: true quality, reward and KL from the policy against n.

    For each question, `samples` answers from the policy give its answer distribution; best-of-n's distribution
    over the same answers follows exactly (the top answer among n draws), so reward, quality and KL are exact
    sums over it. Two checks beside it: best-of-n simulated (n draws, keep the best, `SIMULATED_DRAWS` times), whose
    KL must match the exact one; and, as the control, the same selection by a reward that knows nothing (random
    scores), whose quality must not rise.
    """
    check_int("samples", samples, 32, 1024)
    policy, tokenizer = policy_model(seed)
    rm, _ = reward_model(seed)
    qas = feedback_questions(seed)
    drawn = sample_answers(policy, tokenizer, qas, n=samples, seed=seed)
    flat = [(qa, a) for qa, answers in zip(qas, drawn) for a in answers]
    scores = rewards(rm, tokenizer, [qa for qa, _ in flat], [a for _, a in flat])
    keys = ("quality", "reward", "right", "exclamations", "kl", "simulated_kl", "random_quality", "random_kl")
    per_question = {k: {n: [] for n in BEST_OF} for k in keys}
    rng, sim = random.Random(f"random-reward-{seed}"), np.random.default_rng(seed)
    for q, (qa, answers) in enumerate(zip(qas, drawn)):
        score = dict(zip(answers, scores[q * samples:(q + 1) * samples]))
        ranked = sorted(score, key=score.get)
        p = [answers.count(a) / samples for a in ranked]
        noise = {a: rng.random() for a in ranked}
        by_noise = sorted(ranked, key=noise.get)
        p_noise = [answers.count(a) / samples for a in by_noise]
        index = np.repeat(np.arange(len(ranked)), [answers.count(a) for a in ranked])  # each sample's rank
        for n in BEST_OF:
            mass = best_of_n_masses(p, n)
            for key, value in (("quality", lambda a: true_quality(a, qa)), ("reward", score.get),
                               ("right", lambda a: is_right(a, qa)), ("exclamations", exclamations)):
                per_question[key][n].append(sum(m * value(a) for m, a in zip(mass, ranked)))
            per_question["kl"][n].append(_kl(mass, p))
            winners = index[sim.integers(0, samples, size=(SIMULATED_DRAWS, n))].max(axis=1)
            counts = np.bincount(winners, minlength=len(ranked)) / SIMULATED_DRAWS
            per_question["simulated_kl"][n].append(_kl(counts.tolist(), p))
            random_mass = best_of_n_masses(p_noise, n)
            per_question["random_quality"][n].append(sum(m * true_quality(a, qa) for m, a in zip(random_mass, by_noise)))
            per_question["random_kl"][n].append(_kl(random_mass, p_noise))
    mean = lambda values: sum(values) / len(values)  # noqa: E731
    distinct_share = sum(len(set(a)) for a in drawn) / (samples * len(qas))
    return {"samples": samples, "n": list(BEST_OF), "distinct_share": distinct_share, "questions": len(qas),
            "analytic_kl": [math.log(n) - (n - 1) / n for n in BEST_OF],
            **{k: [mean(per_question[k][n]) for n in BEST_OF] for k in keys},
            "by_question": {k: [per_question[k][n] for n in BEST_OF] for k in ("quality", "random_quality")},
            "examples": [{"question": qas[0].question, "answer": a, "reward": s}
                         for a, s in sorted(set(zip(drawn[0], scores[:samples])), key=lambda x: -x[1])[:5]]}
