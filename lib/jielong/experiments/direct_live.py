"""DPO live, for the chapter's panel: a short DPO run from the SFT policy, and how often the policy then finds the
better answer of a held-out pair the more likely one.

Apart from `policy_optimisation` (whose runs the book's verdicts cache): the panel's run is short, and it is judged
by a measure that needs no sampling, so that a few seconds of training show a change larger than noise. Defined in
the chapter "Stage 3: DPO and KTO".
"""
from __future__ import annotations

import threading

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..evaluate import answer_logprobs
from ..train import dpo
from ..validation import check_beta, check_float, check_int
from ._common import Event, cached, loss_events
from .preferences import pair_accuracy, policy_model, preference_data

LIVE_BATCH = 8  # pairs a step (the chapter's runs read 32)
LIVE_STEPS = 40  # the DPO panel's default run, and its static twin's
LIVE_LR = 2e-4  # twice the chapter's rate: with 40 steps it moves the held-out share beyond noise (at 5e-4 it did not)


def held_out_share(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, rows: list[dict]) -> dict:
    """On held-out pairs with a truly better answer: the share in which the model finds the better answer the more
    likely one (chance 0.5), and whether it does on each pair."""
    rows = [r for r in rows if r["gap"] != 0]  # a pair of equally good answers has no better one to find
    questions = [r["qa"] for r in rows]
    chosen = answer_logprobs(model, tokenizer, questions, [r["chosen"] for r in rows])
    rejected = answer_logprobs(model, tokenizer, questions, [r["rejected"] for r in rows])
    scored = pair_accuracy([c > r for c, r in zip(chosen, rejected)], rows)
    return {"share": scored["accuracy"], "ordered_right": scored["ordered_right"]}


def dpo_rows(rows: list[dict]) -> list[dict]:
    """Preference rows in trl's DPO format: the question as the prompt, the two answers as assistant turns."""
    return [{"prompt": [{"role": "user", "content": r["qa"].question}],
             "chosen": [{"role": "assistant", "content": r["chosen"]}],
             "rejected": [{"role": "assistant", "content": r["rejected"]}]} for r in rows]


@cached
def sft_policy_share(seed: int = 0) -> dict:
    """Where every live DPO run starts: the SFT policy's held-out share."""
    check_int("seed", seed, 0, 2**31 - 1)
    model, tokenizer = policy_model(seed)
    return held_out_share(model, tokenizer, preference_data(seed)[1])


@cached
def dpo_live_run(beta: float = 0.1, steps: int = LIVE_STEPS, seed: int = 0, lr: float = LIVE_LR, *,
                 callback: Event | None = None, stop: threading.Event | None = None) -> dict:
    """DPO with trl on the simulated human's pairs for `steps` steps of 8 pairs, the loss streamed; then the held-out
    share, beside the SFT policy's."""
    check_beta(beta, zero_allowed=False)
    check_int("steps", steps, 1, 200)
    check_int("seed", seed, 0, 2**31 - 1)
    check_float("lr", lr, 0.0, 1e-2, low_open=True)
    train, held = preference_data(seed)
    model, tokenizer = policy_model(seed)
    # As many pairs as the run reads, so that trl prepares no more than it needs.
    run = dpo(model, tokenizer, dpo_rows(train[:LIVE_BATCH * steps]), beta=beta, steps=steps, lr=lr,
              batch_size=LIVE_BATCH, seed=seed, callback=loss_events(callback), stop=stop, progress=False, log_every=1)
    return {"beta": beta, "steps": run.steps, "lr": lr, "stopped": run.stopped, "seconds": run.seconds,
            "curve": run.curve, "before": sft_policy_share(seed), "after": held_out_share(model, tokenizer, held)}
