"""Stage 3: policy optimisation. GRPO against the reward model (and over-optimising it), GRPO with a verifiable
reward, and DPO and KTO from the preferences with no reward model, all through trl.

Defined in the chapters "Stage 3: learning from the reward model, and over-learning it", "learning without a
reward model (DPO and KTO)" and "rewards that check answers, and AI feedback".
"""
from __future__ import annotations

import random
import threading
from collections.abc import Callable

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..evaluate import rewards, sample_answers
from ..feedback import exclamations, is_right, true_quality
from ..train import check_training_knobs, dpo, grpo, kto
from ..validation import check_beta, check_choice, check_int
from ..worlds import QA
from ._common import Event, cached, loss_events
from .ai_feedback import ai_preference_data
from .preferences import feedback_questions, policy_model, preference_data
from .reward import coin_labels, reward_model

RL_TOKENS = 6
RL = {"steps": 300, "lr": 2e-4, "group": 8, "prompts_per_step": 3}
RL_EVAL_SAMPLES = 8
DIRECT_EVAL_SAMPLES = 16
RL_BETAS = (0.1, 1.0)  # a small KL penalty, and a large one


def _policy_report(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: list[QA], seed: int,
                   rm: PreTrainedModel | None = None, samples: int = RL_EVAL_SAMPLES) -> dict:
    """The policy's answers to `qas` (`samples` each) judged by the truth, and by the reward model if given; the
    mean true quality and share of right answers of each question kept for intervals."""
    drawn = sample_answers(model, tokenizer, qas, n=samples, seed=seed, max_new_tokens=RL_TOKENS)
    flat = [(qa, a) for qa, answers in zip(qas, drawn) for a in answers]
    report = {
        "quality_by_question": [sum(true_quality(a, qa) for a in answers) / samples for qa, answers in zip(qas, drawn)],
        "right_by_question": [sum(is_right(a, qa) for a in answers) / samples for qa, answers in zip(qas, drawn)],
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
             checkpoints: int = 10, samples: int = RL_EVAL_SAMPLES) -> dict:
    """GRPO on stage 3's questions from the policy, reporting on them (`samples` answers to each) `checkpoints`
    times while it trains."""
    check_beta(beta, zero_allowed=True)
    check_training_knobs(steps, lr, 16, seed)
    model, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    history = [{"step": 0, **_policy_report(model, tokenizer, qas, seed, rm, samples)}]
    if callback is not None:
        callback(history[0])
    every = max(1, steps // checkpoints)

    def on_log(step: int, loss: float, m) -> None:
        if step % every == 0 or step == steps:
            history.append({"step": step, **_policy_report(m, tokenizer, qas, seed, rm, samples)})
            m.train()
            if callback is not None:
                callback(history[-1])

    prompts = [{"prompt": [{"role": "user", "content": qa.question}], "question": qa.question} for qa in qas]
    run = grpo(model, tokenizer, prompts, reward, beta=beta, steps=steps, lr=lr, group=RL["group"],
               prompts_per_step=RL["prompts_per_step"], max_new_tokens=RL_TOKENS, seed=seed,
               callback=on_log, stop=stop, progress=False, log_every=every)
    if history[-1]["step"] != run.steps:
        history.append({"step": run.steps, **_policy_report(model, tokenizer, qas, seed, rm, samples)})
    return {"beta": beta, "steps": run.steps, "lr": lr, "stopped": run.stopped, "seconds": run.seconds,
            "history": history}


@cached
def rl_run(beta: float = RL_BETAS[0], steps: int = RL["steps"], lr: float = RL["lr"], seed: int = 0,
           checkpoints: int = 10, eval_samples: int = RL_EVAL_SAMPLES, *, callback: Event | None = None,
           stop: threading.Event | None = None) -> dict:
    """Optimise the policy against the reward model with trl's GRPO; follow the reward model's score (the proxy)
    and the true quality (on `eval_samples` answers to each question) `checkpoints` times as it trains. `beta` weighs the KL
    penalty. Defined in the chapter "Stage 3: learning from the reward model, and over-learning it"."""
    check_int("checkpoints", checkpoints, 1, 100)
    check_int("eval_samples", eval_samples, 1, 64)
    check_beta(beta, zero_allowed=True)
    check_training_knobs(steps, lr, 16, seed)
    rm, tokenizer = reward_model(seed)
    by_question = {qa.question: qa for qa in feedback_questions(seed)}

    def reward(answers: list[str], rows: list[dict]) -> list[float]:
        return rewards(rm, tokenizer, [by_question[r["question"]] for r in rows], answers)

    return _rl_loop(seed, reward, beta, steps, lr, callback, stop, rm, checkpoints, eval_samples)


VERIFIABLE_REWARDS = ("verifiable", "random")


@cached
def verifiable_run(steps: int = 150, lr: float = 1e-4, seed: int = 0, reward: str = "verifiable", *,
                   callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """GRPO with a verifiable reward, as in DeepSeek's recipe: 1 when the answer states the right fact (checked
    against the world), else 0. No reward model, nothing to over-optimise. `reward="random"` is the control: a coin
    that knows nothing about the answers."""
    check_choice("reward", reward, VERIFIABLE_REWARDS)
    by_question = {qa.question: qa for qa in feedback_questions(seed)}
    coin = random.Random(f"coin-{seed}")

    def score(answers: list[str], rows: list[dict]) -> list[float]:
        if reward == "random":
            return [float(coin.random() < 0.5) for _ in answers]
        return [float(is_right(a, by_question[r["question"]])) for a, r in zip(answers, rows)]

    return {"reward": reward, **_rl_loop(seed, score, 0.0, steps, lr, callback, stop)}


METHODS = ("dpo", "kto")
DIRECT = {"steps": 60, "lr": 1e-4}
DIRECT_LABELS = ("human", "self", "shuffled")


@cached
def direct_run(method: str = "dpo", beta: float = 0.1, steps: int = DIRECT["steps"], lr: float = DIRECT["lr"],
               seed: int = 0, labels: str = "human", *, callback: Event | None = None,
               stop: threading.Event | None = None) -> dict:
    """Learn from the preference pairs with no reward model: DPO on the pairs, or KTO on their answers taken
    apart into unpaired thumbs-up (the preferred answer) and thumbs-down (the other), with trl. `labels` says who
    labelled the pairs: "human" (the simulated human), "self" (the policy judging its own answers, RLAIF) or
    "shuffled" (the control: the human's pairs with a coin deciding which answer is chosen). The answers are judged
    on all 48 questions, 16 samples each, before and after."""
    check_choice("method", method, METHODS)
    check_beta(beta, zero_allowed=False)
    check_choice("labels", labels, DIRECT_LABELS)
    check_training_knobs(steps, lr, 32, seed)
    rows = {"human": lambda: preference_data(seed)[0], "self": lambda: ai_preference_data(seed, "self"),
            "shuffled": lambda: coin_labels(preference_data(seed)[0], seed)}[labels]()
    model, tokenizer = policy_model(seed)
    qas = feedback_questions(seed)
    before = _policy_report(model, tokenizer, qas, seed, samples=DIRECT_EVAL_SAMPLES)
    user = lambda r: [{"role": "user", "content": r["qa"].question}]  # noqa: E731
    said = lambda text: [{"role": "assistant", "content": text}]  # noqa: E731
    events = loss_events(callback)
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
    after = _policy_report(model, tokenizer, qas, seed, samples=DIRECT_EVAL_SAMPLES)
    return {"method": method, "beta": beta, "labels": labels, "steps": run.steps, "stopped": run.stopped,
            "seconds": run.seconds, "curve": run.curve, "before": before, "after": after}

