"""Each experiment of the chapter map as one function from its knobs to a plain-data result, cached on disk.

The widgets, the static sweeps in the online book, the claims and the tests all call these functions.
"""
from __future__ import annotations

import copy
import functools
import inspect
import json
import random
import threading
from collections.abc import Callable
from typing import Any

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from . import cache
from .base import BaseSpec, base_model, tokenizer_for
from .cleaning import FILTERS, clean
from .evaluate import (complete, fact_accuracy, fact_completions, mean_loss, qa_accuracy, qa_answers,
                       sample_conversations)
from .models import (LORA_TARGETS, PRESETS, add_lora, build_model, check_lora, count_parameters, load_model,
                     quiet_progress, weight_distance)
from .train import chat, check_training_knobs, pretrain, sft
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
