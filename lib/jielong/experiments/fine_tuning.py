"""Stage 2: instruction fine-tuning from a pre-trained or a random initialisation, 举一反三, and LoRA against full
fine-tuning. Fine-tuning asks about the first 200 people; "unseen" people are the others, never asked about.
Defined in the chapters "Stage 2: instruction fine-tuning", "举一反三" and "adapters and LoRA".
"""
from __future__ import annotations

import copy
import threading

import torch

from peft import LoraConfig, PeftModel, get_peft_model
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..base import BaseSpec, base_model
from ..evaluate import fact_correct, qa_answers, qa_correct
from ..models import (LORA_TARGETS, PRESETS, build_model, check_lora, count_parameters, no_checkpointing_warning,
                      weight_distance)
from ..stats import mean
from ..train import Messages, chat, check_training_knobs, sft, tokenize_documents
from ..validation import check_choice, check_int
from ..worlds import Person, biographies, qa_pairs
from ._common import EVAL_PEOPLE, SFT_BATCH, Event, cached, loss_events

SFT_PEOPLE = 200
INITS = ("base", "random", "unread")
MAX_EVAL_PEOPLE = 200


def _scores(model: PreTrainedModel, start: PreTrainedModel, base: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
            seen: list[Person], unseen: list[Person]) -> dict:
    """QA on taught and untaught people (the fine-tuned model, and the model it started from, on the taught ones);
    fact completion on untaught people before (the base model) and after fine-tuning; each item's outcome kept."""
    seen_qas, unseen_qas = qa_pairs(seen), qa_pairs(unseen)
    outcomes = {"seen_correct": qa_correct(model, tokenizer, seen_qas),
                "seen_before_correct": qa_correct(start, tokenizer, seen_qas),
                "unseen_correct": qa_correct(model, tokenizer, unseen_qas),
                "facts_before_correct": fact_correct(base, tokenizer, unseen),
                "facts_after_correct": fact_correct(model, tokenizer, unseen)}
    rates = {k.removesuffix("_correct") + ("" if k.startswith("facts") else "_accuracy"): mean(v)
             for k, v in outcomes.items()}
    return {**rates, **outcomes}


@cached
def sft_run(init: str = "base", diversity: int = 5, sft_people: int = SFT_PEOPLE, steps: int = 200, lr: float = 7e-4,
            seed: int = 0, batch_size: int = SFT_BATCH, eval_people: int = EVAL_PEOPLE, *,
            callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """Fine-tune on questions about the first `sft_people` people; test on them and on people never asked about.

    `init` is "base" (the model pre-trained at that `diversity`, trained on first use), "random" (the same
    architecture, untrained) or "unread" (a base model pre-trained only on the biographies of the people it is
    fine-tuned on: it never read about the people it is tested on). Defined in the chapter "Stage 2: instruction
    fine-tuning".
    """
    check_choice("init", init, INITS)
    spec = BaseSpec(world_seed=seed, diversity=diversity, seed=seed)
    check_int("sft_people", sft_people, 1, spec.n_people - 1)
    check_int("eval_people", eval_people, 1, min(MAX_EVAL_PEOPLE, spec.n_people - sft_people))
    check_training_knobs(steps, lr, batch_size, seed)
    base, tokenizer = base_model(spec)
    if init == "base":
        start = base
    elif init == "unread":
        start = base_model(BaseSpec(world_seed=seed, diversity=diversity, seed=seed, known_people=sft_people))[0]
    else:
        start = build_model(spec.preset, len(tokenizer), seed=seed)
    model = copy.deepcopy(start)
    seen, unseen = spec.world.people[:sft_people], spec.world.people[sft_people:]
    run = sft(model, tokenizer, [chat(q.question, q.answer) for q in qa_pairs(seen)], steps=steps, lr=lr,
              batch_size=batch_size, seed=seed, callback=loss_events(callback), stop=stop, progress=False)
    asked = qa_pairs(unseen[:2], ("birth_city", "employer"))
    return {
        "init": init, "diversity": diversity, "sft_people": sft_people, "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "weight_distance": weight_distance(model, base),
        **_scores(model, start, base, tokenizer, seen[:eval_people], unseen[:eval_people]),
        "examples": [{"question": q.question, "expected": q.answer, "answer": a}
                     for q, a in zip(asked, qa_answers(model, tokenizer, asked))],
    }


LORA_BATCH = SFT_BATCH // 2


def full_run(seed: int = 0) -> dict:
    """Full fine-tuning as LoRA's reference: `sft_run` on the same 300 batches of 32 as `lora_run`'s default."""
    return sft_run("base", steps=300, seed=seed, batch_size=LORA_BATCH)


def unread_tokens(tokenizer: PreTrainedTokenizerFast, read: list[str], taught: list[Messages]) -> list[int]:
    """The tokens of the conversations `taught` that pre-training never read in the texts `read` (the chat's own
    tokens, "?", the question words): their embeddings were only ever pushed away from as predictions."""
    seen = {i for document in tokenize_documents(tokenizer, read) for i in document["input_ids"]}
    used = {i for conversation in taught
            for i in tokenizer.apply_chat_template(conversation, tokenize=True, return_dict=True)["input_ids"]}
    return sorted(used - seen)


def lora_adapter(base: PreTrainedModel, rank: int, targets: tuple[str, ...], tokens: list[int]) -> PeftModel:
    """A copy of `base`, frozen, with LoRA adapters of `rank` on `targets` and the embeddings of `tokens` trainable
    (peft's trainable tokens, as chat models are fine-tuned with LoRA when the chat adds tokens).

    An adapter cannot move an embedding, and pre-training leaves the tokens it never read nearly alike ("Where" and
    "When": a cosine of 0.98): the chapter shows what a LoRA without them cannot learn. Defined in the chapter
    "Stage 2: adapters and LoRA".
    """
    config = LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=list(targets), bias="none",
                        task_type="CAUSAL_LM", trainable_token_indices={"embed_tokens": tokens} if tokens else None)
    with no_checkpointing_warning():
        model = get_peft_model(copy.deepcopy(base), config)
    if tokens:
        # trl's fused LM head reads `lm_head.weight` (the wrapper gives the merged embeddings) and `lm_head.bias`,
        # which peft 0.21's wrapper of a tied head does not forward; the head has no bias.
        model.get_base_model().lm_head.bias = None
    return model


@cached
def lora_run(rank: int = 8, targets: tuple[str, ...] = LORA_TARGETS, lr: float = 3e-3, steps: int = 300,
             seed: int = 0, eval_people: int = EVAL_PEOPLE, unread_embeddings: bool = True, *,
             callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """`sft_run`'s fine-tuning through a LoRA adapter (peft): the base frozen, only the adapter trained, with the
    embeddings of the tokens pre-training never read (`lora_adapter`; `unread_embeddings=False` keeps them frozen).

    Compare with `full_run(seed)`, full fine-tuning on the same batches; an adapter needs a larger learning rate.
    Defined in the chapter "Stage 2: adapters and LoRA".
    """
    spec = BaseSpec(world_seed=seed, seed=seed)
    targets = check_lora(rank, targets, PRESETS[spec.preset].hidden_size)
    check_training_knobs(steps, lr, LORA_BATCH, seed)
    check_int("eval_people", eval_people, 1, MAX_EVAL_PEOPLE)
    if not isinstance(unread_embeddings, bool):
        raise ValueError(f"unread_embeddings must be True or False, got {unread_embeddings!r}")
    base, tokenizer = base_model(spec)
    seen, unseen = spec.world.people[:SFT_PEOPLE], spec.world.people[SFT_PEOPLE:]
    taught = [chat(q.question, q.answer) for q in qa_pairs(seen)]
    read = biographies(spec.world.people, spec.diversity)  # the base model's pre-training texts
    tokens = unread_tokens(tokenizer, read, taught) if unread_embeddings else []
    torch.manual_seed(seed)  # the adapter's initial weights, whatever ran before in this process
    model = lora_adapter(base, rank, targets, tokens)
    run = sft(model, tokenizer, taught, steps=steps, lr=lr, batch_size=LORA_BATCH, seed=seed,
              callback=loss_events(callback), stop=stop, progress=False)
    trainable = count_parameters(model, trainable_only=True)
    model = model.merge_and_unload()  # the same function, measured without the adapters' overhead
    return {
        "rank": rank, "targets": list(targets), "lr": lr, "unread_embeddings": unread_embeddings,
        "steps": run.steps, "stopped": run.stopped,
        "seconds": run.seconds, "curve": run.curve, "new_tokens": tokenizer.convert_ids_to_tokens(tokens),
        "trainable": trainable, "parameters": count_parameters(base),
        "trainable_share": trainable / count_parameters(base),
        "weight_distance": weight_distance(model, base),
        **_scores(model, base, base, tokenizer, seen[:eval_people], unseen[:eval_people]),
    }
