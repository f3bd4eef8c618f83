"""Training entry points: every run goes through a transformers or trl trainer.

Each run takes a `callback(step, loss, model)` that streams metrics while it trains (for live plots), a
`stop` event that ends it early, and shows a tqdm progress bar. Defined in the chapter "Stage 1: pre-training".
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm
from transformers import (
    DataCollatorForLanguageModeling,
    PreTrainedModel,
    PreTrainedTokenizerFast,
    PrinterCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from .models import MAX_POSITIONS, no_checkpointing_warning, quiet_progress
from .validation import check_beta, check_choice, check_float, check_int

Callback = Callable[[int, float, PreTrainedModel], None]


@dataclass
class TrainResult:
    """What a run did: the steps it took, its logged (step, loss) curve and its wall time."""

    steps: int
    curve: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0
    stopped: bool = False

    @property
    def final_loss(self) -> float:
        """The last logged training loss."""
        return self.curve[-1][1] if self.curve else float("nan")


class _Stream(TrainerCallback):
    """Forwards logged losses to the user's callback, drives a tqdm bar and honours the stop event."""

    def __init__(self, result: TrainResult, max_steps: int, callback: Callback | None,
                 stop: threading.Event | None, progress: bool, desc: str):
        self.result, self.callback, self.stop = result, callback, stop
        self.bar = tqdm(total=max_steps, desc=desc, disable=not progress, leave=False)

    def on_log(self, args, state, control, logs=None, model=None, **kwargs):
        if logs and "loss" in logs:
            loss = float(logs["loss"])
            self.result.curve.append((state.global_step, loss))
            self.bar.set_postfix(loss=f"{loss:.3f}")
            if self.callback is not None:
                self.callback(state.global_step, loss, model)

    def on_step_end(self, args, state, control, **kwargs):
        self.bar.update(1)
        if self.stop is not None and self.stop.is_set():
            self.result.stopped = True
            control.should_training_stop = True

    def on_train_end(self, args, state, control, **kwargs):
        self.bar.close()


def check_training_knobs(steps: int, lr: float, batch_size: int, seed: int) -> None:
    """Validate the knobs every training run shares."""
    check_int("steps", steps, 1, 100_000)
    check_float("lr", lr, 0.0, 1.0, low_open=True)
    check_int("batch_size", batch_size, 1, 4096)
    check_int("seed", seed, 0, 2**31 - 1)


def tokenize_documents(tokenizer: PreTrainedTokenizerFast, texts: list[str]) -> list[dict]:
    """Each text as one training example: <s> text </s>, cut to the model's context."""
    ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    return [{"input_ids": [bos, *x[: MAX_POSITIONS - 2], eos]} for x in ids]


def training_arguments(steps: int, lr: float, batch_size: int, seed: int, log_every: int | None,
                       config: type[TrainingArguments] = TrainingArguments, schedule: str = "cosine",
                       **extra) -> TrainingArguments:
    """The arguments every run shares: warm-up, then cosine decay (`schedule="constant"` holds the learning rate
    after the warm-up), no saving, no reports.

    `config` is TrainingArguments or one of trl's subclasses (SFTConfig, DPOConfig, ...); `extra` are its own fields.
    """
    check_choice("schedule", schedule, ("cosine", "constant"))
    return config(
        output_dir=str(Path(tempfile.gettempdir()) / "jielong-trainer"),  # never written (no saving), but created
        max_steps=steps,
        per_device_train_batch_size=batch_size,
        learning_rate=lr,
        lr_scheduler_type="cosine" if schedule == "cosine" else "constant_with_warmup",
        warmup_steps=max(1, steps // 10),
        weight_decay=0.01,
        adam_beta2=0.98,
        max_grad_norm=1.0,
        logging_steps=log_every or max(1, steps // 50),
        logging_first_step=True,
        save_strategy="no",
        report_to="none",
        disable_tqdm=True,
        seed=seed,
        data_seed=seed,
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        # trl's configs default to bf16 mixed precision; on a CPU it is several times slower, and tiny models need
        # no memory saved. Full precision everywhere, so every trainer computes the same way.
        bf16=False,
        fp16=False,
        # trl's configs turn activation checkpointing on by default; tiny models need no memory saved, only speed.
        activation_checkpointing=False,
        **extra,
    )


def pretrain(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    texts: list[str],
    *,
    steps: int = 300,
    lr: float = 3e-3,
    batch_size: int = 32,
    seed: int = 0,
    callback: Callback | None = None,
    stop: threading.Event | None = None,
    progress: bool = True,
    log_every: int | None = None,
) -> TrainResult:
    """Self-supervised pre-training: predict every next token of `texts`, with the transformers Trainer."""
    result, stream = _prepare("pre-training", "texts", texts, steps, lr, batch_size, seed, log_every, callback, stop,
                              progress)
    trainer = Trainer(
        model=model,
        args=training_arguments(steps, lr, batch_size, seed, log_every),
        train_dataset=tokenize_documents(tokenizer, texts),
        data_collator=DataCollatorForLanguageModeling(tokenizer, mlm=False),
        callbacks=[stream],
    )
    return _run(trainer, result)


def _prepare(desc: str, name: str, items: list, steps: int, lr: float, batch_size: int, seed: int, log_every: int | None,
             callback: Callback | None, stop: threading.Event | None, progress: bool) -> tuple[TrainResult, _Stream]:
    """Validate a run's knobs and data; return its empty record and the callback that will fill it."""
    check_training_knobs(steps, lr, batch_size, seed)
    if not items:
        raise ValueError(f"{name} must hold at least one item")
    if log_every is not None:
        check_int("log_every", log_every, 1, steps)
    result = TrainResult(steps=0)
    return result, _Stream(result, steps, callback, stop, progress, desc)


def _run(trainer: Trainer, result: TrainResult) -> TrainResult:
    trainer.remove_callback(PrinterCallback)  # our tqdm bar and callback replace its printed log lines
    start = time.perf_counter()
    output = trainer.train()
    result.seconds = time.perf_counter() - start
    result.steps = output.global_step
    trainer.model.eval()
    return result


def chat(question: str, answer: str) -> list[dict[str, str]]:
    """One exchange in the chat format: a user turn and the assistant's reply."""
    return [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def sft(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    conversations: list[list[dict[str, str]]],
    *,
    steps: int = 300,
    lr: float = 1e-3,
    batch_size: int = 32,
    seed: int = 0,
    callback: Callback | None = None,
    stop: threading.Event | None = None,
    progress: bool = True,
    log_every: int | None = None,
    assistant_only: bool = True,
) -> TrainResult:
    """Supervised fine-tuning with trl's SFTTrainer, the loss on the assistant's tokens only.

    With `assistant_only=False` the loss covers the user's turns too, so that the model also learns to write the
    questions (as LAMOL does, to replay old tasks from its own samples). Defined in the chapter "Stage 2:
    instruction fine-tuning". Returns the run record; `model` (or its LoRA adapter) is trained in place.
    """
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    result, stream = _prepare("fine-tuning", "conversations", conversations, steps, lr, batch_size, seed, log_every,
                              callback, stop, progress)
    args = training_arguments(steps, lr, batch_size, seed, log_every, SFTConfig, assistant_only_loss=assistant_only,
                              max_length=MAX_POSITIONS, dataset_num_proc=None)
    with quiet_progress():
        trainer = SFTTrainer(model=model, args=args, processing_class=tokenizer,
                             train_dataset=Dataset.from_dict({"messages": conversations}), callbacks=[stream])
    return _run(trainer, result)


# --- stage 3: learning from feedback ----------------------------------------------------------------------

Messages = list[dict[str, str]]


def _trl_run(trainer_cls, config_cls, model, tokenizer, dataset: list[dict], desc: str, steps: int, lr: float,
             batch_size: int, seed: int, callback: Callback | None, stop: threading.Event | None, progress: bool,
             log_every: int | None, **config) -> TrainResult:
    """One run of a trl trainer on `dataset` (a list of rows), with the shared arguments, stream and stop event."""
    from datasets import Dataset

    result, stream = _prepare(desc, "dataset", dataset, steps, lr, batch_size, seed, log_every, callback, stop,
                              progress)
    args = training_arguments(steps, lr, batch_size, seed, log_every, config_cls, dataset_num_proc=None, **config)
    with no_checkpointing_warning():
        with quiet_progress():
            trainer = trainer_cls(model=model, args=args, processing_class=tokenizer,
                                  train_dataset=Dataset.from_list(dataset), callbacks=[stream])
        return _run(trainer, result)


def reward_modelling(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, pairs: list[dict[str, Messages]], *,
                     steps: int = 150, lr: float = 1e-3, batch_size: int = 32, seed: int = 0,
                     callback: Callback | None = None, stop: threading.Event | None = None, progress: bool = True,
                     log_every: int | None = None) -> TrainResult:
    """Train a reward model (a sequence classifier with one output) on preference pairs with trl's RewardTrainer.

    Each pair is {"chosen": conversation, "rejected": conversation}; the loss is -log sigmoid(r_chosen - r_rejected).
    Defined in the chapter "Stage 3: feedback and the reward model".
    """
    from trl import RewardConfig, RewardTrainer

    return _trl_run(RewardTrainer, RewardConfig, model, tokenizer, pairs, "reward model", steps, lr, batch_size,
                    seed, callback, stop, progress, log_every, max_length=MAX_POSITIONS)


def dpo(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, pairs: list[dict[str, Messages]], *,
        beta: float = 0.1, steps: int = 100, lr: float = 3e-4, batch_size: int = 32, seed: int = 0,
        callback: Callback | None = None, stop: threading.Event | None = None, progress: bool = True,
        log_every: int | None = None) -> TrainResult:
    """Direct preference optimisation with trl's DPOTrainer: no reward model, the policy learns from the pairs.

    Each pair is {"prompt": [user turn], "chosen": [assistant turn], "rejected": [assistant turn]}. `model` must be
    loaded from a local folder: trl builds the frozen reference model from its `name_or_path`.
    """
    from trl import DPOConfig, DPOTrainer

    check_beta(beta, zero_allowed=False)
    return _trl_run(DPOTrainer, DPOConfig, model, tokenizer, pairs, "DPO", steps, lr, batch_size, seed, callback,
                    stop, progress, log_every, beta=beta, max_length=MAX_POSITIONS)


def kto(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, examples: list[dict], *,
        beta: float = 0.1, steps: int = 100, lr: float = 3e-4, batch_size: int = 32, seed: int = 0,
        callback: Callback | None = None, stop: threading.Event | None = None, progress: bool = True,
        log_every: int | None = None) -> TrainResult:
    """Kahneman-Tversky optimisation with trl's KTOTrainer, from unpaired thumbs-up and thumbs-down.

    Each example is {"prompt": [user turn], "completion": [assistant turn], "label": True for a thumbs-up}.
    """
    from trl import KTOConfig, KTOTrainer

    check_beta(beta, zero_allowed=False)
    return _trl_run(KTOTrainer, KTOConfig, model, tokenizer, examples, "KTO", steps, lr, batch_size, seed, callback,
                    stop, progress, log_every, beta=beta, max_length=MAX_POSITIONS)


RewardFn = Callable[[list[str], list[dict]], list[float]]


def grpo(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, prompts: list[dict], reward: RewardFn, *,
         beta: float = 0.0, steps: int = 100, lr: float = 3e-4, group: int = 8, prompts_per_step: int = 4,
         max_new_tokens: int = 10, seed: int = 0, callback: Callback | None = None, stop: threading.Event | None = None,
         progress: bool = True, log_every: int | None = None) -> TrainResult:
    """Group relative policy optimisation with trl's GRPOTrainer (DeepSeek's algorithm): for each prompt the policy
    samples `group` answers, each answer's advantage is its reward against the group's mean, and `beta` weighs
    the KL penalty that holds the policy near where it started.

    Each prompt row is {"prompt": [user turn], ...any fields the reward needs}; `reward(answers, rows)` returns one
    number per answer. One step is `prompts_per_step` prompts and their groups.
    """
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    check_beta(beta, zero_allowed=True)
    check_int("group", group, 2, 256)
    check_int("prompts_per_step", prompts_per_step, 1, 256)
    check_int("max_new_tokens", max_new_tokens, 1, MAX_POSITIONS)

    def reward_func(prompts, completions, **columns) -> list[float]:
        # trl also passes its own objects (trainer_state, completion_ids, ...); keep the dataset's columns.
        columns = {k: v for k, v in columns.items() if k in names}
        answers = [c[0]["content"].strip() for c in completions]
        if not columns:
            return reward(answers, [{} for _ in answers])
        return reward(answers, [dict(zip(columns, values)) for values in zip(*columns.values())])

    names = set(prompts[0]) - {"prompt"} if prompts else set()
    result, stream = _prepare("GRPO", "prompts", prompts, steps, lr, group, seed, log_every, callback, stop, progress)
    # A constant learning rate: the policy keeps moving for as long as it trains, as in RLHF runs.
    args = training_arguments(steps, lr, group * prompts_per_step, seed, log_every, GRPOConfig, schedule="constant",
                              num_generations=group,
                              max_completion_length=max_new_tokens, beta=beta, temperature=1.0, top_k=0)
    with no_checkpointing_warning():
        with quiet_progress():
            trainer = GRPOTrainer(model=model, reward_funcs=reward_func, args=args, processing_class=tokenizer,
                                  train_dataset=Dataset.from_list(prompts), callbacks=[stream])
        return _run(trainer, result)
