"""Each experiment of the chapter map as one function from its knobs to a plain-data result, cached on disk.

The widgets, the static sweeps in the online book, the claims and the tests all call these functions.
"""
from __future__ import annotations

import copy
import functools
import inspect
import json
import math
import random
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, PreTrainedModel, PreTrainedTokenizerFast

from . import cache
from .base import BaseSpec, base_model, tokenizer_for
from .cleaning import FILTERS, clean
from .evaluate import (answer_logprobs, answer_token_logprobs, complete, fact_accuracy, fact_completions, mean_loss,
                       qa_accuracy, qa_answers, rewards, sample_answers, sample_conversations, stop_tokens)
from .feedback import EXCLAMATION, PANEL, Human, exclamations, is_right, true_quality
from .models import (LORA_TARGETS, PRESETS, add_lora, build_model, check_lora, count_parameters, device, load_model,
                     quiet_progress, weight_distance)
from .train import chat, check_training_knobs, dpo, grpo, kto, pretrain, reward_modelling, sft
from .validation import check_choice, check_float, check_int, check_subset
from .worlds import MONTHS, QA, TEMPLATES, VALUES, YEARS, World, biographies, fact_prompt, junk_documents, near_duplicates, qa_pairs, spam_documents, kind_questions

Event = Callable[[dict[str, Any]], None]

# The live experiments use a smaller world than the base model, so that a run fits in a few seconds.
SMALL_WORLD = 60
SAMPLE_PEOPLE = 3


def cached(fn: Callable[..., dict]) -> Callable[..., dict]:
    """Cache an experiment's result on disk by its arguments; `use_cache=False` forces a fresh run.

    `callback` and `stop` pass through without entering the key; a stopped run is not cached.
    """
    signature = inspect.signature(fn)
    live = {k: None for k in ("callback", "stop") if k in signature.parameters}

    @functools.wraps(fn)
    def wrapper(*args: Any, callback: Event | None = None, stop: threading.Event | None = None,
                use_cache: bool = True, **kwargs: Any) -> dict:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        knobs = {k: v for k, v in bound.arguments.items() if k not in live}
        path = cache.cache_dir() / "experiments" / fn.__name__ / f"{cache.key(knobs)}.json"
        if use_cache and (hit := cache.read_json(path)) is not None:
            return hit
        extras = {k: v for k, v in (("callback", callback), ("stop", stop)) if k in live}
        # Through JSON and back, so that a fresh result and a cached one are the same plain data.
        result = json.loads(json.dumps(fn(**knobs, **extras)))
        if not result.get("stopped"):
            cache.write_json(path, result)
        return result

    return wrapper


def _held_out(world: World) -> list[str]:
    """Fresh renderings of the world's biographies that no training corpus contains."""
    return biographies(world.people, diversity=1, start=50)


@cached
def pretraining_run(preset: str = "micro", steps: int = 200, lr: float = 5e-3, seed: int = 0, *,
                    callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Train a tiny LM from scratch on a small world's biographies, recording loss and samples as it learns."""
    check_choice("preset", preset, PRESETS)
    check_training_knobs(steps, lr, 16, seed)
    world = World(seed, SMALL_WORLD)
    tokenizer = tokenizer_for(world)
    model = build_model(preset, len(tokenizer), seed=seed)
    held_out = _held_out(world)[:100]
    prompts = [fact_prompt(p, "birth_city") for p in world.people[:SAMPLE_PEOPLE]]
    checkpoints: list[dict] = []
    log_every = max(1, steps // 36)

    def checkpoint(step: int, loss: float, m) -> dict:
        event = {"step": step, "loss": loss, "val_loss": mean_loss(m, tokenizer, held_out),
                 "samples": complete(m, tokenizer, prompts, max_new_tokens=6)}
        checkpoints.append(event)
        return event

    def on_log(step: int, loss: float, m) -> None:
        # Every third logged step (and the first) also measures held-out loss and samples completions.
        logs = step // log_every
        event = checkpoint(step, loss, m) if step == 1 or logs % 3 == 0 else {"step": step, "loss": loss}
        if callback is not None:
            callback(event)

    run = pretrain(model, tokenizer, biographies(world.people, diversity=5), steps=steps, lr=lr,
                   batch_size=16, seed=seed, callback=on_log, stop=stop, progress=False, log_every=log_every)
    if checkpoints[-1]["step"] != run.steps:
        event = checkpoint(run.steps, run.final_loss, model)
        if callback is not None:
            callback(event)
    return {
        "preset": preset, "parameters": count_parameters(model), "steps": run.steps, "seconds": run.seconds,
        "stopped": run.stopped, "curve": run.curve, "checkpoints": checkpoints, "prompts": prompts,
        "answers": [p.birth_city for p in world.people[:SAMPLE_PEOPLE]],
        "tokens_per_step": 16 * _mean_tokens(tokenizer, held_out),
        "val_loss": checkpoints[-1]["val_loss"],
        "fact_accuracy": fact_accuracy(model, tokenizer, world.people),
    }


def _mean_tokens(tokenizer, texts: list[str]) -> float:
    return sum(len(x) + 2 for x in tokenizer(texts, add_special_tokens=False)["input_ids"]) / len(texts)


def scaling_sweep(presets: tuple[str, ...] = ("nano", "micro", "tiny"), steps: int = 200, lr: float = 5e-3,
                  seed: int = 0) -> dict:
    """`pretraining_run` for several model sizes on the same data: loss against parameters and tokens."""
    presets = check_subset("presets", presets, PRESETS)
    if len(presets) < 2:
        raise ValueError(f"presets must name at least two of {tuple(PRESETS)}, got {presets!r}")
    runs = [pretraining_run(p, steps, lr, seed) for p in presets]
    return {"presets": list(presets), "runs": runs}


def dirty_corpus(world: World, seed: int = 0) -> list[str]:
    """The world's biographies drowned in web junk, spam and near-duplicates (three documents in four are bad)."""
    check_int("seed", seed, 0, 2**31 - 1)
    texts = biographies(world.people, diversity=5)
    n = len(texts)
    texts = texts + junk_documents(n, seed) + spam_documents(n, seed) + near_duplicates(texts, n, seed)
    random.Random(f"mix-{seed}").shuffle(texts)
    return texts


@cached
def cleaning_run(filters: tuple[str, ...] = FILTERS, preset: str = "tiny", steps: int = 200, seed: int = 0) -> dict:
    """Pre-train on the dirty corpus after the chosen filters; measure held-out loss and fact accuracy."""
    filters = check_subset("filters", filters, FILTERS)
    check_choice("preset", preset, PRESETS)
    check_training_knobs(steps, 5e-3, 16, seed)
    world = World(seed, SMALL_WORLD)
    tokenizer = tokenizer_for(world)
    dirty = dirty_corpus(world, seed)
    corpus = clean(dirty, filters)
    model = build_model(preset, len(tokenizer), seed=seed)
    run = pretrain(model, tokenizer, corpus, steps=steps, lr=5e-3, batch_size=16, seed=seed, progress=False)
    return {
        "filters": list(filters), "documents": len(dirty), "kept": len(corpus), "seconds": run.seconds,
        "val_loss": mean_loss(model, tokenizer, _held_out(world)),
        "fact_accuracy": fact_accuracy(model, tokenizer, world.people),
    }


@cached
def base_knowledge(seed: int = 0) -> dict:
    """What the base model knows: fact completion against direct questions, over the whole world."""
    check_int("seed", seed, 0, 2**31 - 1)
    spec = BaseSpec(world_seed=seed, seed=seed)
    model, tokenizer = base_model(spec)
    people = spec.world.people
    qas = qa_pairs(people)
    examples = [
        {"prompt": prompt, "expected": want, "completion": got}
        for prompt, want, got in fact_completions(model, tokenizer, people[:2], ("birth_city", "employer"))
    ]
    chosen = [qa for qa in qas if qa.person in {p.name for p in people[:2]}][:4]
    return {
        "people": len(people),
        "fact_accuracy": fact_accuracy(model, tokenizer, people),
        "qa_accuracy": qa_accuracy(model, tokenizer, qas),
        "completions": examples,
        "answers": [{"question": q.question, "expected": q.answer, "answer": a}
                    for q, a in zip(chosen, qa_answers(model, tokenizer, chosen))],
        "raw_continuations": complete(model, tokenizer, [q.question for q in chosen], max_new_tokens=12),
    }


# --- stage 2: instruction fine-tuning ---------------------------------------------------------------------

EVAL_PEOPLE = 100
SFT_BATCH = 64


@cached
def sft_run(init: str = "base", diversity: int = 5, sft_people: int = 200, steps: int = 100, lr: float = 7e-4,
            seed: int = 0, batch_size: int = SFT_BATCH, eval_people: int = EVAL_PEOPLE, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Fine-tune on questions about the first `sft_people` people; test on them and on people never asked about.

    `init` is "base" (the model pre-trained at that `diversity`, trained on first use) or "random" (the same
    architecture, untrained). Defined in the chapter "Stage 2: instruction fine-tuning".
    """
    check_choice("init", init, ("base", "random"))
    spec = BaseSpec(world_seed=seed, diversity=diversity, seed=seed)
    check_int("sft_people", sft_people, 1, spec.n_people - 1)
    check_int("eval_people", eval_people, 1, EVAL_PEOPLE)
    check_training_knobs(steps, lr, batch_size, seed)
    base, tokenizer = base_model(spec)
    model = copy.deepcopy(base) if init == "base" else build_model(spec.preset, len(tokenizer), seed=seed)
    seen, unseen = spec.world.people[:sft_people], spec.world.people[sft_people:]
    conversations = [chat(q.question, q.answer) for q in qa_pairs(seen)]
    events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
    run = sft(model, tokenizer, conversations, steps=steps, lr=lr, batch_size=batch_size, seed=seed,
              callback=events, stop=stop, progress=False)
    asked = qa_pairs(unseen[:2], ("birth_city", "employer"))
    return {
        "init": init, "diversity": diversity, "sft_people": sft_people, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "weight_distance": weight_distance(model, base),
        "seen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(seen[:eval_people])),
        "unseen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(unseen[:eval_people])),
        "facts_before": fact_accuracy(base, tokenizer, unseen[:eval_people]),
        "facts_after": fact_accuracy(model, tokenizer, unseen[:eval_people]),
        "examples": [{"question": q.question, "expected": q.answer, "answer": a}
                     for q, a in zip(asked, qa_answers(model, tokenizer, asked))],
    }


# --- stage 2: LoRA ------------------------------------------------------------------------------------------

LORA_BATCH = SFT_BATCH // 2


def full_run(seed: int = 0) -> dict:
    """Full fine-tuning as LoRA's reference: `sft_run` on the same 300 batches of 32 as `lora_run`'s default."""
    return sft_run("base", steps=300, seed=seed, batch_size=LORA_BATCH)


@cached
def lora_run(rank: int = 8, targets: tuple[str, ...] = LORA_TARGETS, lr: float = 3e-3, steps: int = 300,
             seed: int = 0, eval_people: int = EVAL_PEOPLE, *, callback: Event | None = None,
             stop: threading.Event | None = None) -> dict:
    """`sft_run`'s fine-tuning through a LoRA adapter (peft): the base frozen, only the adapter trained.

    Compare with `full_run(seed)`, full fine-tuning on the same batches; an adapter needs a larger learning rate.
    Defined in the chapter "Stage 2: adapters and LoRA".
    """
    spec = BaseSpec(world_seed=seed, seed=seed)
    targets = check_lora(rank, targets, PRESETS[spec.preset].hidden_size)
    check_training_knobs(steps, lr, LORA_BATCH, seed)
    check_int("eval_people", eval_people, 1, EVAL_PEOPLE)
    base, tokenizer = base_model(spec)
    model = add_lora(copy.deepcopy(base), rank, targets)
    seen, unseen = spec.world.people[:200], spec.world.people[200:]
    events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
    run = sft(model, tokenizer, [chat(q.question, q.answer) for q in qa_pairs(seen)], steps=steps, lr=lr,
              batch_size=LORA_BATCH, seed=seed, callback=events, stop=stop, progress=False)
    trainable = count_parameters(model, trainable_only=True)
    model = model.merge_and_unload()  # the same function, measured without the adapters' overhead
    return {
        "rank": rank, "targets": list(targets), "lr": lr, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve,
        "trainable": trainable, "parameters": count_parameters(base),
        "trainable_share": trainable / count_parameters(base),
        "weight_distance": weight_distance(model, base),
        "seen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(seen[:eval_people])),
        "unseen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(unseen[:eval_people])),
        "facts_before": fact_accuracy(base, tokenizer, unseen[:eval_people]),
        "facts_after": fact_accuracy(model, tokenizer, unseen[:eval_people]),
    }


def _fine_tuned_base(name: str, seed: int, recipe: dict, conversations: Callable[[World], list],
                     assistant_only: bool = True, key_extra: str = "") -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The seed's base model fine-tuned by `recipe` on `conversations(world)`: trained on first use, then cached."""
    check_int("seed", seed, 0, 2**31 - 1)
    spec = BaseSpec(world_seed=seed, seed=seed)
    extra = (key_extra,) if key_extra else ()
    folder = cache.cache_dir() / "models" / f"{name}-{cache.key(spec.knobs(), recipe, *extra)}"
    with cache.building(folder) as scratch:
        if scratch is not None:
            model, tokenizer = base_model(spec)
            sft(model, tokenizer, conversations(spec.world), steps=recipe["steps"], lr=recipe["lr"],
                batch_size=recipe["batch_size"], seed=seed, assistant_only=assistant_only, progress=False)
            with quiet_progress():  # its progress bar would land on a chapter's stderr
                model.save_pretrained(scratch)
    return load_model(folder), tokenizer_for(spec.world)


# --- stage 2: forgetting -----------------------------------------------------------------------------------

TASK_A = {"people": 12, "steps": 150, "lr": 2e-3, "batch_size": 16}
FORGET_BATCH = 16


def task_a_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """Task A of the forgetting experiment, trained on first use and cached: the base model fine-tuned to answer
    questions about the first 12 people, with the loss on the questions too (LAMOL's recipe, so that the model
    can later write task-A examples itself). Returns (model, tokenizer).
    """
    return _fine_tuned_base("task-a", seed, TASK_A, _task_a, assistant_only=False)


def _task_a(world: World) -> list[list[dict[str, str]]]:
    return [chat(q.question, q.answer) for q in qa_pairs(world.people[: TASK_A["people"]])]


@cached
def forgetting_run(replay: float = 0.0, kind: str = "real", method: str = "full", lr: float = 2e-3, steps: int = 60,
                   seed: int = 0, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Learn task B (what kind of thing a word names) after task A (questions about people); measure what A loses.

    `replay` is the number of task-A examples mixed into task B's data, as a share of B's size; `kind` says whether
    they are real A examples ("real") or ones the model writes itself before learning B ("generated", LAMOL).
    `method` trains all weights ("full") or a rank-8 LoRA adapter ("lora"). Defined in the chapter "Stage 2: learning
    one task after another, and forgetting".
    """
    check_float("replay", replay, 0.0, 1.0)
    check_choice("kind", kind, ("real", "generated"))
    check_choice("method", method, ("full", "lora"))
    check_training_knobs(steps, lr, FORGET_BATCH, seed)
    model, tokenizer = task_a_model(seed)
    world = BaseSpec(world_seed=seed, seed=seed).world
    a_test = qa_pairs(world.people[: TASK_A["people"]])  # did the model keep what it was taught in task A?
    b_all = kind_questions(seed)
    b_train, b_test = b_all[:60], b_all[60:]  # B is tested on things it was not asked about
    n_replay = round(replay * len(b_train))
    truth = {q.question: q.answer for q in qa_pairs(world.people)}
    if n_replay and kind == "real":
        replayed = random.Random(f"replay-{seed}").sample(_task_a(world), n_replay)
    elif n_replay:
        replayed = sample_conversations(model, tokenizer, n_replay, seed)
    else:
        replayed = []
    a_before, b_before = qa_accuracy(model, tokenizer, a_test), qa_accuracy(model, tokenizer, b_test)
    if method == "lora":
        model = add_lora(model, 8, LORA_TARGETS)
    data = [chat(q.question, q.answer) for q in b_train] + replayed
    random.Random(f"mix-{seed}").shuffle(data)
    checkpoints = [{"step": 0, "a": a_before, "b": b_before}]
    if callback is not None:
        callback(checkpoints[0])

    def on_log(step: int, loss: float, m) -> None:
        event = {"step": step, "loss": loss}
        if step % max(1, steps // 4) == 0 or step == steps:
            event |= {"a": qa_accuracy(m, tokenizer, a_test), "b": qa_accuracy(m, tokenizer, b_test)}
            checkpoints.append(event)
        if callback is not None:
            callback(event)

    run = sft(model, tokenizer, data, steps=steps, lr=lr, batch_size=FORGET_BATCH, seed=seed, callback=on_log,
              stop=stop, progress=False, log_every=max(1, steps // 16))
    return {
        "replay": replay, "kind": kind, "method": method, "lr": lr, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "checkpoints": checkpoints,
        "a_before": a_before, "b_before": b_before,
        "a_after": qa_accuracy(model, tokenizer, a_test), "b_after": qa_accuracy(model, tokenizer, b_test),
        "replayed": len(replayed),
        "replayed_true": (sum(truth.get(c[0]["content"]) == c[1]["content"] for c in replayed) / len(replayed)
                          if replayed else None),
        "replay_examples": [{"question": c[0]["content"], "answer": c[1]["content"]} for c in replayed[:4]],
    }


# --- stage 2: imitating a stronger model ----------------------------------------------------------------------

TEACHER = {"steps": 200, "lr": 7e-4, "batch_size": SFT_BATCH}
STUDENT_KNOWS = 200
TEACHER_STYLE = "As far as I know, "
ANSWER_TOKENS = 32  # room for the teacher's full sentences


def styled_answer(qa: QA) -> str:
    """The teacher's way of answering: a full sentence after a hedge, e.g. "As far as I know, X was born in Lima."."""
    return TEACHER_STYLE + TEMPLATES[qa.attribute][0].format(name=qa.person, value=qa.answer)


def teacher_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The stronger model: the base model (which read about all 400 people) fine-tuned to answer questions about
    all of them in its own style. Trained on first use and cached; returns (model, tokenizer).
    """
    return _fine_tuned_base("teacher", seed, TEACHER,
                            lambda world: [chat(q.question, styled_answer(q)) for q in qa_pairs(world.people)],
                            key_extra=TEACHER_STYLE)


def _relation(qa: QA) -> str:
    """The words between the name and the value in the teacher's sentence, e.g. " was born in "."""
    return TEMPLATES[qa.attribute][0].split("{name}")[1].split("{value}")[0]


def _chance(qa: QA) -> float:
    """The chance of guessing a fact: one over the number of values it could take."""
    return 1 / (len(MONTHS) * 28 * len(YEARS)) if qa.attribute == "birth_date" else 1 / len(VALUES[qa.attribute])


@cached
def imitation_run(examples: int = 500, steps: int = 100, lr: float = 1e-3, seed: int = 0, *,
                  callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Fine-tune a student on the teacher's answers to `examples` questions; score its style and its facts.

    The student's base model read the biographies of only the first 200 people; the teacher knows all 400. The
    questions cover people 0-99 and 200-299; the student is tested on people it read about (100-199) and people it
    never read about (300-399), none of them in its fine-tuning data. Defined in the chapter "Stage 2: imitating a
    stronger model".
    """
    check_int("examples", examples, 1, 1000)
    check_training_knobs(steps, lr, SFT_BATCH, seed)
    teacher, tokenizer = teacher_model(seed)
    student, _ = base_model(BaseSpec(world_seed=seed, seed=seed, known_people=STUDENT_KNOWS))
    people = BaseSpec(world_seed=seed, seed=seed).world.people
    pool = qa_pairs(people[:100] + people[200:300])
    random.Random(f"imitation-{seed}").shuffle(pool)
    asked = pool[:examples]
    taught = qa_answers(teacher, tokenizer, asked, ANSWER_TOKENS)
    events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
    run = sft(student, tokenizer, [chat(q.question, a) for q, a in zip(asked, taught)], steps=steps, lr=lr,
              batch_size=SFT_BATCH, seed=seed, callback=events, stop=stop, progress=False)

    def score(test: list[QA]) -> dict:
        answers = qa_answers(student, tokenizer, test, ANSWER_TOKENS)
        # The style: the hedge, then the teacher's sentence for that fact; the fact: the value that sentence states.
        styled = [a.startswith(TEACHER_STYLE) and _relation(q) in a and a.endswith(".") for a, q in zip(answers, test)]
        right = [s and a.endswith(f"{_relation(q)}{q.answer}.") for s, a, q in zip(styled, answers, test)]
        return {
            "format": sum(styled) / len(test),
            "accuracy": sum(right) / len(test),
            "chance": sum(map(_chance, test)) / len(test),
            "examples": [{"question": q.question, "expected": q.answer, "answer": a}
                         for q, a in list(zip(test, answers))[:: len(test) // 3][:3]],
        }

    known = score(qa_pairs(people[100:100 + EVAL_PEOPLE // 2]))
    unknown = score(qa_pairs(people[300:300 + EVAL_PEOPLE // 2]))
    return {
        "examples": examples, "steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve,
        "teacher_accuracy": sum(a == styled_answer(q) for a, q in zip(taught, asked)) / len(asked),
        "known": known, "unknown": unknown,
    }


# --- stage 3: learning from feedback ------------------------------------------------------------------------

FEEDBACK_ATTRIBUTES = ("birth_city", "university", "major", "employer")
FEEDBACK_PEOPLE = 12
POLICY = {"steps": 100, "lr": 7e-4, "batch_size": SFT_BATCH, "exclaim": 0.3, "people": "second half"}
PAIRS = 3000
FEW_PAIRS = 300
HELD_OUT_PAIRS = 300
REWARD_STEPS = 300
REWARD_LR = 1e-3
RL_TOKENS = 6


def _friendly_answers(world: World) -> list[list[dict[str, str]]]:
    """The SFT data of stage 3's policy: questions about the second half of the world (stage 3 asks about the
    first), answered right, 30% of the answers with a "!"."""
    rng = random.Random(f"friendly-{world.seed}")
    return [chat(q.question, q.answer + (EXCLAMATION if rng.random() < POLICY["exclaim"] else ""))
            for q in qa_pairs(world.people[world.n_people // 2:], FEEDBACK_ATTRIBUTES)]


def policy_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """Stage 3's starting policy, trained on first use and cached: the base model after a short SFT in which
    some answers end with "!". Loaded from its folder, so that trl can build a reference copy from it."""
    model, tokenizer = _fine_tuned_base("policy", seed, POLICY, _friendly_answers)
    model.generation_config.eos_token_id = stop_tokens(tokenizer)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    return model, tokenizer


def feedback_questions(seed: int = 0) -> list[QA]:
    """The 48 questions of stage 3, in seeded order: 4 attributes of 12 people, no two of whom share a value.

    The people come from the first half of the world, which the policy read about in pre-training but was never asked
    about in fine-tuning (it answers by 举一反三, often wrongly). With every right answer right for one question
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


@functools.lru_cache(maxsize=4)
def preference_data(seed: int = 0, pairs: int = PAIRS, human: Human = Human()) -> tuple[list[dict], list[dict]]:
    """Preference pairs on the policy's own answers, labelled by the simulated human: (training, held-out).

    The held-out pairs are drawn apart from the training ones and are the same whatever `pairs` is. Kept in memory
    for the session (the rows are shared: do not change them).
    """
    check_int("pairs", pairs, 10, 5000)
    policy, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    train = _pairs(policy, tokenizer, qas, pairs, seed, human.prefers_first)
    held = _pairs(policy, tokenizer, qas, HELD_OUT_PAIRS, seed + 10_000, human.prefers_first)
    return train, held


def _as_conversations(rows: list[dict]) -> list[dict]:
    return [{"chosen": chat(r["qa"].question, r["chosen"]), "rejected": chat(r["qa"].question, r["rejected"])}
            for r in rows]


def _reward_folder(seed: int) -> Path:
    recipe = cache.key(seed, POLICY, PAIRS, REWARD_STEPS, REWARD_LR, str(Human()))
    return cache.cache_dir() / "models" / f"reward-{recipe}"


def _probe_answers(qa: QA) -> dict[str, str]:
    """The answers a reward model is probed with: right or wrong, with 0 to 3 "!"."""
    wrong = next(v for v in VALUES[qa.attribute] if v != qa.answer)
    return {f"{kind}{EXCLAMATION * k}": f"{value}{EXCLAMATION * k}"
            for kind, value in (("right", qa.answer), ("wrong", wrong)) for k in range(4)}


def _pair_accuracy(prefers_chosen: list[bool], rows: list[dict]) -> dict:
    """How often a judge (True: it prefers the answer the human chose) orders held-out pairs as the truth does, on
    the pairs with a better answer, overall and by kind of pair; and how often it matches the human's labels."""
    def acc(keep) -> float:
        idx = [i for i, r in enumerate(rows) if r["gap"] != 0 and keep(r)]
        return sum(prefers_chosen[i] == (rows[i]["gap"] > 0) for i in idx) / max(1, len(idx))

    return {"accuracy": acc(lambda r: True), "fact_accuracy": acc(lambda r: abs(r["gap"]) >= 0.7),
            "friendly_accuracy": acc(lambda r: abs(r["gap"]) < 0.7),
            "label_agreement": sum(prefers_chosen) / len(rows)}


@cached
def reward_model_run(pairs: int = PAIRS, steps: int = REWARD_STEPS, lr: float = REWARD_LR, seed: int = 0, *,
                     callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Train a reward model with trl's RewardTrainer on `pairs` human-labelled pairs; test it on held-out pairs.

    The reward model starts from the policy (a sequence classifier on its body, so that it knows the world's
    facts). The default run is the cached `reward_model(seed)`: trained once, then loaded with its training record.
    Defined in the chapter "Stage 3: feedback and the reward model".
    """
    check_training_knobs(steps, lr, 32, seed)
    train, held = preference_data(seed, pairs)
    policy, tokenizer = policy_model(seed)
    folder = _reward_folder(seed)
    default = (pairs, steps, lr) == (PAIRS, REWARD_STEPS, REWARD_LR)
    record = cache.read_json(folder / "training.json") if default and callback is None else None
    if record is not None:
        model = reward_model(seed)[0]
    else:
        torch.manual_seed(seed)  # the new output layer's initial weights, whatever ran before
        with quiet_progress():
            model = AutoModelForSequenceClassification.from_pretrained(policy.name_or_path, num_labels=1).to(device())
        model.config.pad_token_id = tokenizer.pad_token_id
        events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
        run = reward_modelling(model, tokenizer, _as_conversations(train), steps=steps, lr=lr, batch_size=32,
                               seed=seed, callback=events, stop=stop, progress=False)
        record = {"steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve}
        if default and not run.stopped:
            with cache.building(folder) as scratch:
                if scratch is not None:
                    with quiet_progress():
                        model.save_pretrained(scratch)
                    cache.write_json(scratch / "training.json", record)
    model.eval()
    qas = [r["qa"] for r in held]
    chosen = rewards(model, tokenizer, qas, [r["chosen"] for r in held])
    rejected = rewards(model, tokenizer, qas, [r["rejected"] for r in held])
    probes = feedback_questions(seed)[:20]
    probe_scores = {name: 0.0 for name in _probe_answers(probes[0])}
    for qa in probes:
        answers = _probe_answers(qa)
        for name, score in zip(answers, rewards(model, tokenizer, [qa] * len(answers), list(answers.values()))):
            probe_scores[name] += score / len(probes)
    return {"pairs": pairs, **record, "held_out": len(held),
            **_pair_accuracy([c > r for c, r in zip(chosen, rejected)], held),
            "probe_scores": probe_scores,
            "human_agreement": sum(r["gap"] > 0 for r in held if r["gap"] != 0) / sum(r["gap"] != 0 for r in held)}


def reward_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """The default reward model (1000 pairs, 150 steps), trained on first use and cached; returns (model, tokenizer)."""
    check_int("seed", seed, 0, 2**31 - 1)
    if not _reward_folder(seed).is_dir():
        reward_model_run(seed=seed, use_cache=False)
    with quiet_progress():
        model = AutoModelForSequenceClassification.from_pretrained(str(_reward_folder(seed))).to(device())
    return model.eval(), policy_model(seed)[1]


@cached
def human_feedback(seed: int = 0) -> dict:
    """The lecture's points about feedback in numbers: judging against writing, absolute ratings against
    comparisons, and what SFT grades against what RL grades. Defined in the chapter "Stage 3: feedback and the
    reward model"."""
    policy, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    # Writing: how often the policy's own answer states the right fact.
    written = sample_answers(policy, tokenizer, qas, n=8, seed=seed)
    writes_right = sum(is_right(a, qa) for qa, answers in zip(qas, written) for a in answers) / (8 * len(qas))
    # Judging: the same model shown the right fact and a wrong one, picking the one it finds more likely.
    wrong = [random.Random(f"judge-{seed}-{i}").choice([v for v in VALUES[qa.attribute] if v != qa.answer])
             for i, qa in enumerate(qas)]
    right_lp = answer_logprobs(policy, tokenizer, qas, [qa.answer for qa in qas])
    wrong_lp = answer_logprobs(policy, tokenizer, qas, wrong)
    judges_right = sum(r > w for r, w in zip(right_lp, wrong_lp)) / len(qas)
    # Ratings: three labellers rate the same answers on their own 1-10 scales, then compare them in pairs.
    answers = [(qa, a[0]) for qa, a in zip(qas, written)] + [(qa, a[1]) for qa, a in zip(qas, written)]
    ratings = [[h.rate(a, qa, random.Random(f"rate-{seed}-{h.seed}-{i}")) for i, (qa, a) in enumerate(answers)]
               for h in PANEL]
    n = len(qas)
    pairs = [(i, i + n) for i in range(n)
             if true_quality(answers[i][1], qas[i]) != true_quality(answers[i + n][1], qas[i])]
    same_number, same_order, spread = [], [], []
    for x in range(len(PANEL)):
        for y in range(x + 1, len(PANEL)):
            same_number.append(sum(ratings[x][i] == ratings[y][i] for i in range(2 * n)) / (2 * n))
            same_order.append(sum((ratings[x][i] - ratings[x][j]) * (ratings[y][i] - ratings[y][j]) > 0
                                  for i, j in pairs) / len(pairs))
            spread.append(sum(abs(ratings[x][i] - ratings[y][i]) for i in range(2 * n)) / (2 * n))
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
        "questions": len(qas), "writes_right": writes_right, "judges_right": judges_right,
        "ratings_example": [{"answer": answers[i][1], "question": answers[i][0].question,
                             "quality": true_quality(answers[i][1], answers[i][0]),
                             "ratings": [r[i] for r in ratings]} for i in range(4)],
        "same_rating": sum(same_number) / len(same_number), "same_order": sum(same_order) / len(same_order),
        "rating_gap": sum(spread) / len(spread),
        "sft_tokens": [{"token": tokenizer.decode([t]), "loss": -l} for t, l in zip(ids, lp)],
        "rl_answers": [{"answer": a, "reward": s, "advantage": (s - mean) / std,
                        "tokens": len(tokenizer(f" {a}", add_special_tokens=False)["input_ids"])}
                       for a, s in zip(group, scores)],
        "question": qa.question,
    }


BEST_OF = (1, 2, 4, 8, 16, 32)


@cached
def best_of_n_run(samples: int = 64, seed: int = 0) -> dict:
    """Best-of-n with the reward model: true quality, reward and KL from the policy against n.

    For each question, `samples` answers from the policy give its answer distribution; best-of-n's distribution
    over the same answers follows exactly (the top answer among n draws), so reward, quality and KL are exact
    sums over it, with no second round of sampling. Defined in the chapter "Stage 3: feedback and the reward model".
    """
    check_int("samples", samples, 32, 1024)
    policy, tokenizer = policy_model(seed)
    rm, _ = reward_model(seed)
    qas = feedback_questions(seed)
    drawn = sample_answers(policy, tokenizer, qas, n=samples, seed=seed)
    flat = [(qa, a) for qa, answers in zip(qas, drawn) for a in answers]
    scores = rewards(rm, tokenizer, [qa for qa, _ in flat], [a for _, a in flat])
    rows = {n: {"quality": 0.0, "reward": 0.0, "kl": 0.0, "right": 0.0, "exclamations": 0.0} for n in BEST_OF}
    for q, (qa, answers) in enumerate(zip(qas, drawn)):
        distinct: dict[str, float] = {}
        for a, s in zip(answers, scores[q * samples:(q + 1) * samples]):
            distinct[a] = s
        p = {a: answers.count(a) / samples for a in distinct}
        ranked = sorted(distinct, key=distinct.get)
        below = 0.0
        for a in ranked:
            for n in BEST_OF:
                mass = (below + p[a]) ** n - below ** n  # the chance that the best of n draws is `a`
                row = rows[n]
                row["quality"] += mass * true_quality(a, qa) / len(qas)
                row["reward"] += mass * distinct[a] / len(qas)
                row["right"] += mass * is_right(a, qa) / len(qas)
                row["exclamations"] += mass * exclamations(a) / len(qas)
                row["kl"] += (mass * math.log(mass / p[a]) if mass > 0 else 0.0) / len(qas)
            below += p[a]
    distinct_share = sum(len(set(a)) for a in drawn) / (samples * len(qas))
    return {"samples": samples, "n": list(BEST_OF), "distinct_share": distinct_share,
            "analytic_kl": [math.log(n) - (n - 1) / n for n in BEST_OF],
            **{k: [rows[n][k] for n in BEST_OF] for k in ("quality", "reward", "kl", "right", "exclamations")},
            "examples": [{"question": qas[0].question, "answer": a, "reward": s}
                         for a, s in sorted(set(zip(drawn[0], scores[:samples])), key=lambda x: -x[1])[:5]]}


RL = {"steps": 300, "lr": 2e-4, "group": 8, "prompts_per_step": 3}
RL_EVAL_SAMPLES = 4
RL_BETAS = (0.1, 1.0)  # a small KL penalty, and a large one


def _policy_report(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: list[QA], seed: int,
                   rm: PreTrainedModel | None = None) -> dict:
    """The policy's answers to `qas` (4 samples each) judged by the truth, and by the reward model if given."""
    drawn = sample_answers(model, tokenizer, qas, n=RL_EVAL_SAMPLES, seed=seed, max_new_tokens=RL_TOKENS)
    flat = [(qa, a) for qa, answers in zip(qas, drawn) for a in answers]
    report = {
        "quality": sum(true_quality(a, qa) for qa, a in flat) / len(flat),
        "right": sum(is_right(a, qa) for qa, a in flat) / len(flat),
        "exclamations": sum(exclamations(a) for _, a in flat) / len(flat),
        "words": sum(len(a.split()) for _, a in flat) / len(flat),
        "answers": [{"question": qa.question, "answer": a, "quality": true_quality(a, qa)} for qa, a in flat[:12:4]],
    }
    if rm is not None:
        report["reward"] = sum(rewards(rm, tokenizer, [qa for qa, _ in flat], [a for _, a in flat])) / len(flat)
    return report


def _rl_loop(seed: int, reward: Callable[[list[str], list[dict]], list[float]], beta: float, steps: int, lr: float,
             callback: Event | None, stop: threading.Event | None, rm: PreTrainedModel | None = None,
             checkpoints: int = 10) -> dict:
    """GRPO on stage 3's questions from the policy, reporting on them `checkpoints` times while it trains."""
    check_float("beta", beta, 0.0, 10.0)
    check_training_knobs(steps, lr, 16, seed)
    model, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    history = [{"step": 0, **_policy_report(model, tokenizer, qas, seed, rm)}]
    if callback is not None:
        callback(history[0])
    every = max(1, steps // checkpoints)

    def on_log(step: int, loss: float, m) -> None:
        if step % every == 0 or step == steps:
            history.append({"step": step, **_policy_report(m, tokenizer, qas, seed, rm)})
            m.train()
            if callback is not None:
                callback(history[-1])

    prompts = [{"prompt": [{"role": "user", "content": qa.question}], "question": qa.question} for qa in qas]
    run = grpo(model, tokenizer, prompts, reward, beta=beta, steps=steps, lr=lr, group=RL["group"],
               prompts_per_step=RL["prompts_per_step"], max_new_tokens=RL_TOKENS, seed=seed,
               callback=on_log, stop=stop, progress=False, log_every=every)
    if history[-1]["step"] != run.steps:
        history.append({"step": run.steps, **_policy_report(model, tokenizer, qas, seed, rm)})
    return {"beta": beta, "steps": run.steps, "lr": lr, "stopped": run.stopped, "seconds": run.seconds,
            "history": history}


@cached
def rl_run(beta: float = RL_BETAS[0], steps: int = RL["steps"], lr: float = RL["lr"], seed: int = 0,
           checkpoints: int = 10, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Optimise the policy against the reward model with trl's GRPO; follow the reward model's score (the proxy)
    and the true quality (on 4 answers to each question) `checkpoints` times as it trains. `beta` weighs the KL
    penalty. Defined in the chapter "Stage 3: learning from the reward model, and over-learning it"."""
    check_int("checkpoints", checkpoints, 1, 100)
    check_float("beta", beta, 0.0, 10.0)
    check_training_knobs(steps, lr, 16, seed)
    rm, tokenizer = reward_model(seed)
    by_question = {qa.question: qa for qa in feedback_questions(seed)}

    def reward(answers: list[str], rows: list[dict]) -> list[float]:
        return rewards(rm, tokenizer, [by_question[r["question"]] for r in rows], answers)

    return _rl_loop(seed, reward, beta, steps, lr, callback, stop, rm, checkpoints)


@cached
def verifiable_run(steps: int = 150, lr: float = 1e-4, seed: int = 0, *, callback: Event | None = None,
                   stop: threading.Event | None = None) -> dict:
    """GRPO with a verifiable reward, as in DeepSeek's recipe: 1 when the answer states the right fact (checked
    against the world), else 0. No reward model, nothing to over-optimise. Defined in the chapter "Stage 3:
    rewards that check answers, and AI feedback"."""
    by_question = {qa.question: qa for qa in feedback_questions(seed)}

    def reward(answers: list[str], rows: list[dict]) -> list[float]:
        return [float(is_right(a, by_question[r["question"]])) for a, r in zip(answers, rows)]

    return _rl_loop(seed, reward, 0.0, steps, lr, callback, stop)


METHODS = ("dpo", "kto")
DIRECT_BETAS = (0.1, 0.5)
DIRECT = {"steps": 60, "lr": 1e-4}


@cached
def direct_run(method: str = "dpo", beta: float = 0.1, steps: int = DIRECT["steps"], lr: float = DIRECT["lr"],
               seed: int = 0, labels: str = "human", *, callback: Event | None = None,
               stop: threading.Event | None = None) -> dict:
    """Learn from the preference pairs with no reward model: DPO on the pairs, or KTO on their answers taken
    apart into unpaired thumbs-up (the preferred answer) and thumbs-down (the other), with trl. `labels` says who
    labelled the pairs: "human" (the simulated human) or "self" (the policy judging its own answers, RLAIF).
    Defined in the chapter "Stage 3: learning without a reward model (DPO and KTO)"."""
    check_choice("method", method, METHODS)
    check_float("beta", beta, 0.0, 10.0, low_open=True)
    check_choice("labels", labels, ("human", "self"))
    check_training_knobs(steps, lr, 32, seed)
    rows = preference_data(seed)[0] if labels == "human" else ai_preference_data(seed, "self")
    model, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    before = _policy_report(model, tokenizer, qas, seed)
    user = lambda r: [{"role": "user", "content": r["qa"].question}]  # noqa: E731
    said = lambda text: [{"role": "assistant", "content": text}]  # noqa: E731
    events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
    if method == "dpo":
        data = [{"prompt": user(r), "chosen": said(r["chosen"]), "rejected": said(r["rejected"])} for r in rows]
        run = dpo(model, tokenizer, data, beta=beta, steps=steps, lr=lr, seed=seed, callback=events, stop=stop,
                  progress=False)
    else:
        data = [{"prompt": user(r), "completion": said(r[side]), "label": side == "chosen"}
                for r in rows for side in ("chosen", "rejected")]
        random.Random(f"kto-{seed}").shuffle(data)  # unpaired: nothing ties a thumbs-up to its thumbs-down
        run = kto(model, tokenizer, data, beta=beta, steps=steps, lr=lr, seed=seed, callback=events, stop=stop,
                  progress=False)
    after = _policy_report(model, tokenizer, qas, seed)
    return {"method": method, "beta": beta, "labels": labels, "steps": run.steps, "stopped": run.stopped,
            "seconds": run.seconds, "curve": run.curve, "before": before, "after": after}


JUDGES = ("self", "base")


def _judge_model(judge: str, seed: int) -> PreTrainedModel:
    """The model that judges: the policy itself, or the pre-trained base model it was fine-tuned from."""
    check_choice("judge", judge, JUDGES)
    return policy_model(seed)[0] if judge == "self" else base_model(BaseSpec(world_seed=seed, seed=seed))[0]


def _friendliness(answer: str) -> int:
    """The judge's written principle (its constitution): one "!" is friendly, none is plain, more is shouting."""
    k = exclamations(answer)
    return 1 if k == 1 else -(k - 1) if k > 1 else 0


def _judged(rows: list[dict], model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast) -> list[bool]:
    """For each pair, whether the judge prefers the answer the human chose.

    Like RLAIF's judges, which follow written principles, ours judges by what it believes and by one principle: of
    two answers that state different things, it prefers the one it finds more likely (the "!" left out: it judges the
    content); of two that state the same thing, the friendlier by its principle. A tiny model cannot read a
    principle, so that one is applied as a rule.
    """
    qas = [r["qa"] for r in rows]
    content = lambda a: " ".join(a.replace(EXCLAMATION, " ").split()) or EXCLAMATION  # noqa: E731
    chosen = answer_logprobs(model, tokenizer, qas, [content(r["chosen"]) for r in rows])
    rejected = answer_logprobs(model, tokenizer, qas, [content(r["rejected"]) for r in rows])
    return [c > j if content(r["chosen"]) != content(r["rejected"])
            else _friendliness(r["chosen"]) > _friendliness(r["rejected"])
            for r, c, j in zip(rows, chosen, rejected)]


@functools.lru_cache(maxsize=4)
def ai_preference_data(seed: int = 0, judge: str = "self") -> list[dict]:
    """The human's training pairs relabelled by a model (RLAIF): the answer the judge finds more likely is chosen."""
    rows = preference_data(seed)[0]
    _, tokenizer = policy_model(seed)
    agree = _judged(rows, _judge_model(judge, seed), tokenizer)
    return [r if a else {**r, "chosen": r["rejected"], "rejected": r["chosen"], "gap": -r["gap"]}
            for r, a in zip(rows, agree)]


@cached
def rlaif_run(judge: str = "self", seed: int = 0) -> dict:
    """A model as the judge (RLAIF): how often it sides with the simulated human's preference on held-out pairs in
    which one answer is truly better, and how often with the human's recorded (noisy) labels on all of them.
    Defined in the chapter "Stage 3: rewards that check answers, and AI feedback"."""
    check_choice("judge", judge, JUDGES)
    _, held = preference_data(seed)
    _, tokenizer = policy_model(seed)
    agree = _judged(held, _judge_model(judge, seed), tokenizer)
    return {"judge": judge, "pairs": len(held), "decided": sum(r["gap"] != 0 for r in held),
            **_pair_accuracy(agree, held)}
