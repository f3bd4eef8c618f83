"""DPO live, for the chapter's panel: a short DPO run from the SFT policy, judged on a few questions afterwards.

Apart from `policy_optimisation` (whose runs the book's verdicts cache): the panel trains fewer steps and judges
fewer answers than the chapter's runs, so that a run fits the live budget. Defined in the chapter "Stage 3: DPO and
KTO".
"""
from __future__ import annotations

import threading

from ..train import dpo
from ..validation import check_beta, check_int
from ._common import Event, cached, loss_events
from .policy_optimisation import DIRECT, _policy_report
from .preferences import feedback_questions, policy_model, preference_data

LIVE_QUESTIONS = 16  # the chapter's runs judge all 48 questions, 16 answers each
LIVE_SAMPLES = 4
BATCH = 32


@cached
def sft_policy_report(seed: int = 0) -> dict:
    """The SFT policy's answers to the live questions, judged by the truth: where every live DPO run starts."""
    check_int("seed", seed, 0, 2**31 - 1)
    model, tokenizer = policy_model(seed)
    return _policy_report(model, tokenizer, feedback_questions(seed)[:LIVE_QUESTIONS], seed, samples=LIVE_SAMPLES)


def dpo_live_run(beta: float = 0.1, steps: int = 30, seed: int = 0, *, callback: Event | None = None,
                 stop: threading.Event | None = None) -> dict:
    """DPO with trl on the simulated human's pairs for `steps` steps, the loss streamed; then the policy's answers to
    16 questions (4 each) judged by the truth, beside the SFT policy's."""
    check_beta(beta, zero_allowed=False)
    check_int("steps", steps, 1, 1000)
    check_int("seed", seed, 0, 2**31 - 1)
    before = sft_policy_report(seed)
    model, tokenizer = policy_model(seed)
    user = lambda r: [{"role": "user", "content": r["qa"].question}]  # noqa: E731
    said = lambda text: [{"role": "assistant", "content": text}]  # noqa: E731
    # As many pairs as the run reads (32 a step), so that trl prepares no more than it needs.
    pairs = [{"prompt": user(r), "chosen": said(r["chosen"]), "rejected": said(r["rejected"])}
             for r in preference_data(seed)[0][:BATCH * steps]]
    run = dpo(model, tokenizer, pairs, beta=beta, steps=steps, lr=DIRECT["lr"], batch_size=BATCH, seed=seed,
              callback=loss_events(callback), stop=stop, progress=False, log_every=max(1, steps // 20))
    after = _policy_report(model, tokenizer, feedback_questions(seed)[:LIVE_QUESTIONS], seed, samples=LIVE_SAMPLES)
    return {"beta": beta, "steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve,
            "before": before, "after": after}
