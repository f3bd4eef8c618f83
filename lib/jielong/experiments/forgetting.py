"""Stage 2: learning task B after task A forgets A; replaying A's examples (real or self-written) keeps it.

Task A's questions are cut in two: the rehearsal half may be replayed, the test half never is, so that A's accuracy
is measured on questions no replay contains. Defined in the chapter "Stage 2: learning one task after another, and
forgetting".
"""
from __future__ import annotations

import random
import threading

import torch

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..base import BaseSpec
from ..evaluate import qa_accuracy, qa_correct, sample_conversations
from ..models import LORA_TARGETS
from ..train import chat, check_training_knobs, sft
from ..validation import check_choice, check_float
from ..worlds import QA, World, biographies, kind_questions, qa_pairs
from ._common import Event, cached, fine_tuned_base
from .fine_tuning import lora_adapter, unread_tokens

TASK_A = {"people": 48, "steps": 300, "lr": 2e-3, "batch_size": 16}
FORGET_BATCH = 16
B_TRAIN = 60
REPLAY_KINDS = ("real", "generated", "task-b")


def task_a_model(seed: int = 0) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """Task A of the forgetting experiment, trained on first use and cached: the base model fine-tuned to answer
    questions about the first 48 people, with the loss on the questions too (LAMOL's recipe, so that the model
    can later write task-A examples itself). Returns (model, tokenizer).
    """
    return fine_tuned_base("task-a", __name__, seed, TASK_A, _task_a, assistant_only=False)


def _task_a(world: World) -> list[list[dict[str, str]]]:
    return [chat(q.question, q.answer) for q in qa_pairs(world.people[: TASK_A["people"]])]


def task_a_split(seed: int = 0) -> tuple[list[QA], list[QA]]:
    """Task A's questions in two seeded halves, both taught in task A: (the rehearsal half replay may draw on, the
    test half it never does)."""
    qas = qa_pairs(BaseSpec(world_seed=seed, seed=seed).world.people[: TASK_A["people"]])
    random.Random(f"task-a-split-{seed}").shuffle(qas)
    return qas[: len(qas) // 2], qas[len(qas) // 2:]


def task_b_split(seed: int = 0) -> tuple[list[QA], list[QA]]:
    """Task B's questions: (the 60 it is trained on, the others it is tested on)."""
    b_all = kind_questions(seed)
    return b_all[:B_TRAIN], b_all[B_TRAIN:]


def _replayed(kind: str, n: int, model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, seed: int) -> list:
    """`n` conversations to mix into task B: real rehearsal-half A examples, ones the model writes itself (any that
    repeat a test question left out), or, as the control, task B's own examples again (no task A at all)."""
    rehearsal, test = task_a_split(seed)
    if n == 0:
        return []
    if kind == "real":
        return [chat(q.question, q.answer) for q in random.Random(f"replay-{seed}").sample(rehearsal, n)]
    if kind == "task-b":
        return [chat(q.question, q.answer) for q in random.Random(f"replay-{seed}").sample(task_b_split(seed)[0], n)]
    tested = {q.question for q in test}
    return [c for c in sample_conversations(model, tokenizer, 2 * n, seed) if c[0]["content"] not in tested][:n]


@cached
def forgetting_run(replay: float = 0.0, kind: str = "real", method: str = "full", lr: float = 2e-3, steps: int = 60,
                   seed: int = 0, *, callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Learn task B (what kind of thing a word names) after task A (questions about people); measure what A loses.

    `replay` is the number of examples mixed into task B's data, as a share of B's size; `kind` says what they are:
    real A examples from its rehearsal half ("real"), ones the model writes itself before learning B ("generated",
    LAMOL), or B's own examples again ("task-b", the control). A is tested on its other half, never replayed. `method`
    trains all weights ("full") or a rank-8 LoRA adapter ("lora").
    """
    check_float("replay", replay, 0.0, 1.0)
    check_choice("kind", kind, REPLAY_KINDS)
    check_choice("method", method, ("full", "lora"))
    check_training_knobs(steps, lr, FORGET_BATCH, seed)
    model, tokenizer = task_a_model(seed)
    world = BaseSpec(world_seed=seed, seed=seed).world
    a_test = task_a_split(seed)[1]
    b_train, b_test = task_b_split(seed)  # B is tested on things it was not asked about
    replayed = _replayed(kind, round(replay * len(b_train)), model, tokenizer, seed)
    truth = {q.question: q.answer for q in qa_pairs(world.people)}
    a_before_correct = qa_correct(model, tokenizer, a_test)
    a_before, b_before = sum(a_before_correct) / len(a_test), qa_accuracy(model, tokenizer, b_test)
    data = [chat(q.question, q.answer) for q in b_train] + replayed
    random.Random(f"mix-{seed}").shuffle(data)
    if method == "lora":
        # The embeddings of the tokens of this data that task A's model never read (in the base's biographies or in
        # task A) train beside the adapter, as in `lora_run`: task B's words bring byte pieces no earlier step read.
        read = biographies(world.people, BaseSpec().diversity)
        tokens = sorted(set(unread_tokens(tokenizer, read, data)) - set(unread_tokens(tokenizer, read, _task_a(world))))
        torch.manual_seed(seed)  # the adapter's initial weights, whatever ran before in this process
        model = lora_adapter(model, 8, LORA_TARGETS, tokens)
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
    a_after_correct = qa_correct(model, tokenizer, a_test)
    return {
        "replay": replay, "kind": kind, "method": method, "lr": lr, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "checkpoints": checkpoints,
        "a_before": a_before, "b_before": b_before,
        "a_after": sum(a_after_correct) / len(a_test), "b_after": qa_accuracy(model, tokenizer, b_test),
        "a_before_correct": a_before_correct, "a_after_correct": a_after_correct,
        "replayed": len(replayed),
        "replayed_true": (sum(truth.get(c[0]["content"]) == c[1]["content"] for c in replayed) / len(replayed)
                          if replayed and kind != "task-b" else None),
        "replayed_questions": [c[0]["content"] for c in replayed],
        "replay_examples": [{"question": c[0]["content"], "answer": c[1]["content"]} for c in replayed[:4]],
    }
