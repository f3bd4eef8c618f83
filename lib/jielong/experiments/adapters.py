"""Stage 2: adapters are a family. IA3 (peft) beside LoRA: instead of adding low-rank matrices, IA3 learns one scale
per channel for three activations of each layer (the attention's keys and values, the feed-forward layer's input to
its last matrix), a thirtieth of LoRA's trainable parameters at rank 8 on our model.

Defined in the chapter "Stage 2: adapters and LoRA".
"""
from __future__ import annotations

import copy
import random

import torch
from peft import IA3Config, PeftModel, get_peft_model
from transformers import PreTrainedModel

from ..base import BaseSpec, base_model
from ..models import LORA_TARGETS, count_parameters, no_checkpointing_warning
from ..train import chat, check_training_knobs, sft
from ..validation import check_choice, check_int
from ..worlds import QA, biographies, qa_pairs
from ._common import EVAL_PEOPLE, cached
from .fine_tuning import LORA_BATCH, MAX_EVAL_PEOPLE, SFT_PEOPLE, _scores, lora_adapter, unread_tokens

IA3_TARGETS = ("k_proj", "v_proj", "down_proj")
IA3 = {"lr": 0.3, "steps": 300}  # IA3 only rescales, so it needs a far larger learning rate than LoRA (3e-3)
ANSWERS = ("right", "shuffled")


def add_ia3(model: PreTrainedModel) -> PeftModel:
    """`model` with IA3 scales on the keys, values and the feed-forward layer's last input; only the scales train."""
    config = IA3Config(target_modules=list(IA3_TARGETS), feedforward_modules=["down_proj"], task_type="CAUSAL_LM")
    with no_checkpointing_warning():
        return get_peft_model(model, config)


def shuffled_answers(qas: list[QA], seed: int) -> list[QA]:
    """The same questions, each answered with another person's value of the same attribute (the control: the
    format is the same, the facts are wrong)."""
    rng = random.Random(f"shuffled-answers-{seed}")
    out = list(qas)
    for attribute in sorted({qa.attribute for qa in qas}):  # a fixed order: a set's would change per process
        at = [i for i, qa in enumerate(qas) if qa.attribute == attribute]
        values = [qas[i].answer for i in at]
        rng.shuffle(values)
        for i, value in zip(at, values):
            out[i] = QA(qas[i].person, attribute, qas[i].question, value)
    return out


@cached
def ia3_run(answers: str = "right", lr: float = IA3["lr"], steps: int = IA3["steps"], seed: int = 0,
            eval_people: int = EVAL_PEOPLE) -> dict:
    """`lora_run`'s fine-tuning through IA3 instead of LoRA (the same questions, batches and evaluation), with the
    trainable share of both. `answers="shuffled"` trains on the same questions with shuffled answers."""
    check_choice("answers", answers, ANSWERS)
    check_training_knobs(steps, lr, LORA_BATCH, seed)
    check_int("eval_people", eval_people, 1, MAX_EVAL_PEOPLE)
    spec = BaseSpec(world_seed=seed, seed=seed)
    base, tokenizer = base_model(spec)
    seen, unseen = spec.world.people[:SFT_PEOPLE], spec.world.people[SFT_PEOPLE:]
    taught = qa_pairs(seen) if answers == "right" else shuffled_answers(qa_pairs(seen), seed)
    torch.manual_seed(seed)
    model = add_ia3(copy.deepcopy(base))
    conversations = [chat(q.question, q.answer) for q in taught]
    run = sft(model, tokenizer, conversations, steps=steps, lr=lr, batch_size=LORA_BATCH, seed=seed, progress=False)
    trainable = count_parameters(model, trainable_only=True)
    tokens = unread_tokens(tokenizer, biographies(spec.world.people, spec.diversity), conversations)
    lora = count_parameters(lora_adapter(base, 8, LORA_TARGETS, tokens), trainable_only=True)  # as `lora_run` trains
    model = model.merge_and_unload()
    return {"answers": answers, "lr": lr, "steps": run.steps, "seconds": run.seconds, "curve": run.curve,
            "trainable": trainable, "trainable_share": trainable / count_parameters(base),
            "lora_trainable": lora, "lora_share": lora / count_parameters(base),
            **_scores(model, base, base, tokenizer, seen[:eval_people], unseen[:eval_people])}
