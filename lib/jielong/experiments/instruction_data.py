"""Stage 2: how much instruction data, and how good. The lecture: the instruction fine-tuning papers needed only
tens of thousands of examples, a drop next to pre-training's data, but they need good ones, which is what we lack.

The base model is fine-tuned on the questions about the first n people (five questions each) for the same steps,
batch size and learning rate at every size (the same compute), and asked about the same untaught people at every size:
`sft_run`'s held-out people (200 to 299), in no fine-tuning set of any size. Low-quality data keeps the questions and
takes away the right facts: the same questions with their answers shuffled among the people.

Defined in the chapter "Stage 2: how much instruction data, and how good".
"""
from __future__ import annotations

import copy

from ..base import BaseSpec, base_model
from ..evaluate import qa_correct
from ..stats import mean
from ..train import chat, sft
from ..validation import check_choice, check_int
from ..worlds import qa_pairs
from ._common import EVAL_PEOPLE, SFT_BATCH, cached
from .adapters import ANSWERS, shuffled_answers
from .fine_tuning import SFT_PEOPLE, sft_run

# `sft_run`'s recipe, so that the full set of right answers is `sft_run` itself (100 steps left seed 6 at the onset
# of 举一反三: the 100-person set gained only 0.20 over the shuffled set; 200 steps: 0.54).
RECIPE = {"steps": 200, "lr": 7e-4, "batch_size": SFT_BATCH}
DATA_SIZES = (10, 50, 100, SFT_PEOPLE)  # people asked about, five questions each
SMALL_DATA = 100  # half of the full set's people


def held_out_people(seed: int = 0, eval_people: int = EVAL_PEOPLE) -> list:
    """The untaught people every data size is asked about: the ones after the largest fine-tuning set."""
    check_int("seed", seed, 0, 2**31 - 1)
    check_int("eval_people", eval_people, 1, EVAL_PEOPLE)
    return list(BaseSpec(world_seed=seed, seed=seed).world.people[SFT_PEOPLE:SFT_PEOPLE + eval_people])


@cached
def data_size_run(people: int = SMALL_DATA, answers: str = "right", seed: int = 0,
                  eval_people: int = EVAL_PEOPLE) -> dict:
    """Fine-tune the base model on the questions about the first `people` people (answers "right" or "shuffled"
    among them) and ask it about `held_out_people`, whom no fine-tuning set of any size contains."""
    check_int("people", people, 1, SFT_PEOPLE)
    check_choice("answers", answers, ANSWERS)
    held = held_out_people(seed, eval_people)
    spec = BaseSpec(world_seed=seed, seed=seed)
    taught = qa_pairs(spec.world.people[:people])
    if (people, answers) == (SFT_PEOPLE, "right"):  # the same data, recipe and held-out people as `sft_run`
        run = sft_run(seed=seed, eval_people=eval_people, **RECIPE)
        return {"people": people, "examples": len(taught), "answers": answers, "steps": run["steps"],
                "seconds": run["seconds"], "curve": run["curve"], "held_out_correct": run["unseen_correct"],
                "held_out_accuracy": run["unseen_accuracy"]}
    base, tokenizer = base_model(spec)
    taught = taught if answers == "right" else shuffled_answers(taught, seed)
    model = copy.deepcopy(base)
    run = sft(model, tokenizer, [chat(q.question, q.answer) for q in taught], seed=seed, progress=False,
              **RECIPE)
    correct = qa_correct(model, tokenizer, qa_pairs(held))
    return {"people": people, "examples": len(taught), "answers": answers, "steps": run.steps,
            "seconds": run.seconds, "curve": run.curve, "held_out_correct": correct,
            "held_out_accuracy": mean(correct)}


def data_size_sweep(seed: int = 0) -> dict:
    """`data_size_run` at every size of `DATA_SIZES` (right answers), and on the full set with shuffled answers:
    held-out accuracy against the number of examples."""
    runs = [data_size_run(n, seed=seed) for n in DATA_SIZES]
    wrong = data_size_run(SFT_PEOPLE, "shuffled", seed=seed)
    return {"people": list(DATA_SIZES), "examples": [r["examples"] for r in runs],
            "held_out_accuracy": [r["held_out_accuracy"] for r in runs],
            "shuffled_examples": wrong["examples"], "shuffled_accuracy": wrong["held_out_accuracy"]}
