"""Stage 3: the policy, the questions it is asked, and the simulated human's judgments and preferences.

The held-out preference pairs ask the same 48 questions as the training pairs, but no held-out pair (the question and
its two answers) is one the reward model, DPO or KTO trains on. Defined in the chapter "Stage 3: feedback and the reward model".
"""
from __future__ import annotations

import dataclasses
import functools
import random
from collections import Counter
from collections.abc import Callable

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..base import BaseSpec
from ..evaluate import answer_logprobs, answer_token_logprobs, sample_answers, stop_tokens
from ..feedback import EXCLAMATION, PANEL, Human, is_right, true_quality
from ..models import build_model
from ..train import chat
from ..validation import check_int
from ..worlds import QA, VALUES, World, qa_pairs
from ._common import SFT_BATCH, cached, fine_tuned_base

FEEDBACK_ATTRIBUTES = ("birth_city", "university", "major", "employer")
FEEDBACK_PEOPLE = 12
POLICY = {"steps": 100, "lr": 7e-4, "batch_size": SFT_BATCH, "exclaim": 0.3, "wrong": 0.3, "people": "second half"}
FACT_GAP = 0.7  # a gap in true quality this large is a right fact against a wrong one; smaller, friendliness
PAIRS = 3000
FEW_PAIRS = 300
HELD_OUT_PAIRS = 300
WRITTEN = 8  # answers the policy writes to each question in `human_feedback`
# The control panel: three labellers who share one scale and rate on it without noise.
SAME_SCALE_PANEL = tuple(Human(4.0, 4.0, seed=k, rating_noise=0.0) for k in (1, 2, 3))


def _friendly_answers(world: World) -> list[list[dict[str, str]]]:
    """The SFT data of stage 3's policy: questions about the second half of the world (stage 3 asks about the
    first), 30% of the answers with a "!", and 30% with a wrong value, as demonstrators who err now and then."""
    rng = random.Random(f"friendly-{world.seed}")
    conversations = []
    for q in qa_pairs(world.people[world.n_people // 2:], FEEDBACK_ATTRIBUTES):
        wrong = rng.random() < POLICY["wrong"]
        value = rng.choice([v for v in VALUES[q.attribute] if v != q.answer]) if wrong else q.answer
        conversations.append(chat(q.question, value + (EXCLAMATION if rng.random() < POLICY["exclaim"] else "")))
    return conversations


def policy_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """Stage 3's starting policy, trained on first use and cached: the base model after a short SFT in which some
    answers end with "!" and some are wrong. Loaded from its folder, so that trl can build a reference copy from it.

    The wrong answers leave stage 3 room to improve on every seed: from right answers alone, a base model that knows
    its facts well answered 0.80 to 0.88 of stage 3's questions right before any feedback (0.51 to 0.52 with them).
    """
    model, tokenizer = fine_tuned_base("policy", __name__, seed, POLICY, _friendly_answers)
    model.generation_config.eos_token_id = stop_tokens(tokenizer)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def feedback_questions(seed: int = 0) -> list[QA]:
    """The 48 questions of stage 3, in seeded order: 4 attributes of 12 people, no two of whom share a value.

    The people come from the first half of the world, which the policy read about in pre-training but was never asked
    about in fine-tuning (it answers by 举一反三, and errs as its demonstrators did). With every right answer right for one question
    only, "this name is often right" is no shortcut to the truth.
    """
    check_int("seed", seed, 0, 2**31 - 1)
    chosen, used = [], {a: set() for a in FEEDBACK_ATTRIBUTES}
    world = World(seed)
    for person in world.people[: world.n_people // 2]:
        if all(person.fact(a) not in used[a] for a in FEEDBACK_ATTRIBUTES):
            chosen.append(person)
            for a in FEEDBACK_ATTRIBUTES:
                used[a].add(person.fact(a))
        if len(chosen) == FEEDBACK_PEOPLE:
            break
    qas = qa_pairs(chosen, FEEDBACK_ATTRIBUTES)
    random.Random(f"feedback-{seed}").shuffle(qas)
    return qas


def _pairs(policy: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: list[QA], n: int, seed: int,
           judge: Callable[[str, str, QA, random.Random], bool]) -> list[dict]:
    """`n` pairs of two different answers sampled from `policy`, each labelled by `judge(a, b, qa, rng)`."""
    rng = random.Random(f"pairs-{seed}")
    asked = [qas[i % len(qas)] for i in range(2 * n)]
    drawn = sample_answers(policy, tokenizer, asked, n=2, seed=seed)
    rows = []
    for qa, (a, b) in zip(asked, drawn):
        if a != b:
            chosen, rejected = (a, b) if judge(a, b, qa, rng) else (b, a)
            rows.append({"qa": qa, "chosen": chosen, "rejected": rejected,
                         "gap": true_quality(chosen, qa) - true_quality(rejected, qa)})
        if len(rows) == n:
            break
    return rows


def pair_key(row: dict) -> tuple[str, frozenset[str]]:
    """What makes two preference pairs the same: the question and the two answers, in either order."""
    return row["qa"].question, frozenset((row["chosen"], row["rejected"]))


@cached
def _preference_rows(seed: int, pairs: int, human: Human) -> dict:
    """The rows of `preference_data` as plain data (each question as a dict), so that they are cached on disk."""
    policy, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    train = _pairs(policy, tokenizer, qas, pairs, seed, human.prefers_first)
    trained = {pair_key(r) for r in train}
    drawn = _pairs(policy, tokenizer, qas, 3 * HELD_OUT_PAIRS, seed + 10_000, human.prefers_first)
    held = [r for r in drawn if pair_key(r) not in trained][:HELD_OUT_PAIRS]
    return {name: [{**r, "qa": dataclasses.asdict(r["qa"])} for r in rows] for name, rows in (("train", train),
                                                                                            ("held", held))}


@functools.lru_cache(maxsize=4)
def preference_data(seed: int = 0, pairs: int = PAIRS, human: Human = Human()) -> tuple[list[dict], list[dict]]:
    """Preference pairs on the policy's own answers, labelled by the simulated human: (training, held-out).

    Up to `PAIRS`, the training pairs are the first `pairs` of the default set, and every size is tested on the
    default set's held-out pairs: drawn apart from the training ones, and with any pair that repeats a training pair
    (the same question and the same two answers) left out. Cached on disk, and kept in memory for the session (the
    rows are shared: do not change them).
    """
    check_int("seed", seed, 0, 2**31 - 1)
    check_int("pairs", pairs, 10, 5000)
    rows = _preference_rows(seed, max(pairs, PAIRS), human)
    train, held = ([{**r, "qa": QA(**r["qa"])} for r in rows[name]] for name in ("train", "held"))
    return train[:pairs], held


def as_conversations(rows: list[dict]) -> list[dict]:
    """Preference rows as trl's pairs of conversations: {"chosen": [...], "rejected": [...]}."""
    return [{"chosen": chat(r["qa"].question, r["chosen"]), "rejected": chat(r["qa"].question, r["rejected"])}
            for r in rows]


def pair_accuracy(prefers_chosen: list[bool], rows: list[dict]) -> dict:
    """How often a judge (True: it prefers the answer the human chose) orders held-out pairs as the truth does, on
    the pairs with a better answer, overall and by kind of pair; how often it matches the human's labels; and, for
    intervals, whether it ordered each decided pair right."""
    decided = [i for i, r in enumerate(rows) if r["gap"] != 0]
    right = [prefers_chosen[i] == (rows[i]["gap"] > 0) for i in decided]

    def acc(keep) -> float:
        kept = [ok for i, ok in zip(decided, right) if keep(rows[i])]
        return sum(kept) / max(1, len(kept))

    return {"accuracy": acc(lambda r: True), "fact_accuracy": acc(lambda r: abs(r["gap"]) >= FACT_GAP),
            "friendly_accuracy": acc(lambda r: abs(r["gap"]) < FACT_GAP),
            "label_agreement": sum(prefers_chosen) / len(rows), "ordered_right": right}


def _kappa(x: list, y: list) -> float:
    """Cohen's kappa: how much more often two labellers give the same label than chance (their own label rates)."""
    n = len(x)
    observed = sum(a == b for a, b in zip(x, y)) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[k] * cy[k] for k in cx) / n**2
    return (observed - expected) / (1 - expected) if expected < 1 else 0.0


def panel_agreement(ratings: list[list[int]], n: int, decided: list[bool],
                    indices: list[int] | None = None) -> dict:
    """Chance-corrected agreement (Cohen's kappa, averaged over pairs of labellers) of a panel's ratings of 2n answers
    (answers i and i + n answer question i): on the rating itself, and on which of the two answers is better
    (higher, equal or lower) where one truly is (`decided[i]`). `indices` picks the questions (a bootstrap
    resample)."""
    picked = list(range(n)) if indices is None else indices
    ordered = [i for i in picked if decided[i]]
    rating_k, order_k = [], []
    for x in range(len(ratings)):
        for y in range(x + 1, len(ratings)):
            rx, ry = ratings[x], ratings[y]
            rating_k.append(_kappa([rx[i] for i in picked] + [rx[i + n] for i in picked],
                                   [ry[i] for i in picked] + [ry[i + n] for i in picked]))
            sign = lambda r, i: (r[i] > r[i + n]) - (r[i] < r[i + n])  # noqa: E731
            order_k.append(_kappa([sign(rx, i) for i in ordered], [sign(ry, i) for i in ordered]) if ordered else 0.0)
    return {"rating_kappa": sum(rating_k) / len(rating_k), "order_kappa": sum(order_k) / len(order_k)}


def _writes_and_judges(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: list[QA],
                       seed: int) -> tuple[list[list[str]], list[int], list[int], list[int]]:
    """Writing: `WRITTEN` answers sampled for each question, and how many state the right fact (chance: 1 over the
    attribute's values). Judging: the model shown the right fact against each wrong value in turn, and how often it
    finds the right one more likely (chance: one half). Returns (answers, right answers, right judgments, values)."""
    written = sample_answers(model, tokenizer, qas, n=WRITTEN, seed=seed)
    writes = [sum(is_right(a, qa) for a in answers) for qa, answers in zip(qas, written)]
    right_lp = answer_logprobs(model, tokenizer, qas, [qa.answer for qa in qas])
    judges, candidates = [], []
    for qa, lp in zip(qas, right_lp):
        wrong = [v for v in VALUES[qa.attribute] if v != qa.answer]
        judges.append(sum(lp > w for w in answer_logprobs(model, tokenizer, [qa] * len(wrong), wrong)))
        candidates.append(len(wrong) + 1)
    return written, writes, judges, candidates


@cached
def human_feedback(seed: int = 0) -> dict:
    """The lecture's points about feedback in numbers: judging against writing (each against its chance level),
    absolute ratings against comparisons (chance-corrected agreement, and a panel sharing one scale as the control),
    and what SFT grades against what RL grades. Defined in the chapter "Stage 3: feedback and the reward model"."""
    policy, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    written, writes, judges, candidates = _writes_and_judges(policy, tokenizer, qas, seed)
    untrained = build_model(BaseSpec().preset, len(tokenizer), seed=seed)
    untrained.generation_config.eos_token_id = stop_tokens(tokenizer)
    untrained.generation_config.pad_token_id = tokenizer.pad_token_id
    _, untrained_writes, untrained_judges, _ = _writes_and_judges(untrained, tokenizer, qas, seed)
    # Ratings: three labellers rate the same answers on their own 1-10 scales; the control panel shares one scale.
    answers = [(qa, a[0]) for qa, a in zip(qas, written)] + [(qa, a[1]) for qa, a in zip(qas, written)]

    def rate(panel: tuple[Human, ...], tag: str) -> list[list[int]]:
        return [[h.rate(a, qa, random.Random(f"{tag}-{seed}-{h.seed}-{i}")) for i, (qa, a) in enumerate(answers)]
                for h in panel]

    ratings, same_scale = rate(PANEL, "rate"), rate(SAME_SCALE_PANEL, "same-scale")
    n = len(qas)
    decided = [true_quality(answers[i][1], qas[i]) != true_quality(answers[i + n][1], qas[i]) for i in range(n)]
    spread = [abs(ratings[x][i] - ratings[y][i]) for x in range(len(PANEL)) for y in range(x + 1, len(PANEL))
              for i in range(2 * n)]
    # SFT against RL: the per-token loss of a demonstration, against one reward per sampled answer.
    first = next((i for i, answers in enumerate(written) if len({true_quality(a, qas[i]) for a in answers[:4]}) > 2),
                 0)
    qa = qas[first]
    demo = f"{qa.answer}{EXCLAMATION}"
    ids = tokenizer(f" {demo}", add_special_tokens=False)["input_ids"]
    lp = answer_token_logprobs(policy, tokenizer, [qa], [demo])[0][:-1]  # the end of the turn left out
    group = written[first][:4]
    scores = [true_quality(a, qa) for a in group]
    mean = sum(scores) / len(scores)
    std = (sum((s - mean) ** 2 for s in scores) / len(scores)) ** 0.5 or 1.0
    return {
        "questions": n, "written": WRITTEN, "writes": writes, "judges": judges, "candidates": candidates,
        "untrained_writes": untrained_writes, "untrained_judges": untrained_judges,
        "writes_right": sum(writes) / (WRITTEN * n),
        "judges_right": sum(judges) / sum(c - 1 for c in candidates),
        "ratings": ratings, "same_scale_ratings": same_scale, "decided": decided,
        **panel_agreement(ratings, n, decided),
        "same_scale": panel_agreement(same_scale, n, decided),
        "same_rating": sum(ratings[x][i] == ratings[y][i] for x in range(len(PANEL)) for y in range(x + 1, len(PANEL))
                           for i in range(2 * n)) / (len(spread)),
        "rating_gap": sum(spread) / len(spread),
        "ratings_example": [{"answer": answers[i][1], "question": answers[i][0].question,
                             "quality": true_quality(answers[i][1], answers[i][0]),
                             "ratings": [r[i] for r in ratings]} for i in range(4)],
        "sft_tokens": [{"token": tokenizer.decode([t]), "loss": -l} for t, l in zip(ids, lp)],
        "rl_answers": [{"answer": a, "reward": s, "advantage": (s - mean) / std,
                        "tokens": len(tokenizer(f" {a}", add_special_tokens=False)["input_ids"])}
                       for a, s in zip(group, scores)],
        "question": qa.question,
    }
