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

from . import cache
from .base import BaseSpec, base_model, tokenizer_for
from .cleaning import FILTERS, clean
from .evaluate import complete, fact_accuracy, fact_completions, mean_loss, qa_accuracy, qa_answers
from .models import PRESETS, build_model, count_parameters, weight_distance
from .train import chat, check_training_knobs, pretrain, sft
from .validation import check_choice, check_int, check_subset
from .worlds import World, biographies, fact_prompt, junk_documents, near_duplicates, qa_pairs, spam_documents

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
            seed: int = 0, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Fine-tune on questions about the first `sft_people` people; test on them and on people never asked about.

    `init` is "base" (the model pre-trained at that `diversity`, trained on first use) or "random" (the same
    architecture, untrained). Defined in the chapter "Stage 2: instruction fine-tuning".
    """
    check_choice("init", init, ("base", "random"))
    spec = BaseSpec(world_seed=seed, diversity=diversity, seed=seed)
    check_int("sft_people", sft_people, 1, spec.n_people - 1)
    check_training_knobs(steps, lr, SFT_BATCH, seed)
    base, tokenizer = base_model(spec)
    model = copy.deepcopy(base) if init == "base" else build_model(spec.preset, len(tokenizer), seed=seed)
    seen, unseen = spec.world.people[:sft_people], spec.world.people[sft_people:]
    conversations = [chat(q.question, q.answer) for q in qa_pairs(seen)]
    events = (lambda step, loss, m: callback({"step": step, "loss": loss})) if callback else None
    run = sft(model, tokenizer, conversations, steps=steps, lr=lr, batch_size=SFT_BATCH, seed=seed,
              callback=events, stop=stop, progress=False)
    asked = qa_pairs(unseen[:2], ("birth_city", "employer"))
    return {
        "init": init, "diversity": diversity, "sft_people": sft_people, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "weight_distance": weight_distance(model, base),
        "seen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(seen[:EVAL_PEOPLE])),
        "unseen_accuracy": qa_accuracy(model, tokenizer, qa_pairs(unseen[:EVAL_PEOPLE])),
        "facts_before": fact_accuracy(base, tokenizer, unseen[:EVAL_PEOPLE]),
        "examples": [{"question": q.question, "expected": q.answer, "answer": a}
                     for q, a in zip(asked, qa_answers(model, tokenizer, asked))],
    }
