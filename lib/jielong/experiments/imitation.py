"""Stage 2: a student fine-tuned on a stronger teacher's answers copies its style, not its knowledge.

Defined in the chapter "Stage 2: imitating a stronger model".
"""
from __future__ import annotations

import random
import threading

from transformers import PreTrainedModel, PreTrainedTokenizerFast

from ..base import BaseSpec, base_model
from ..evaluate import qa_answers
from ..train import chat, check_training_knobs, sft
from ..validation import check_int
from ..worlds import MONTHS, QA, TEMPLATES, VALUES, YEARS, qa_pairs
from ._common import EVAL_PEOPLE, SFT_BATCH, Event, cached, fine_tuned_base, loss_events

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
    return fine_tuned_base("teacher", __name__, seed, TEACHER,
                           lambda world: [chat(q.question, styled_answer(q)) for q in qa_pairs(world.people)])


def _relation(qa: QA) -> str:
    """The words between the name and the value in the teacher's sentence, e.g. " was born in "."""
    return TEMPLATES[qa.attribute][0].split("{name}")[1].split("{value}")[0]


def _chance(qa: QA) -> float:
    """The chance of guessing a fact: one over the number of values it could take."""
    return 1 / (len(MONTHS) * 28 * len(YEARS)) if qa.attribute == "birth_date" else 1 / len(VALUES[qa.attribute])


@cached
def imitation_run(examples: int = 500, steps: int = 150, lr: float = 1e-3, seed: int = 0, *,
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
    known_qas = qa_pairs(people[100:100 + EVAL_PEOPLE // 2])
    unknown_qas = qa_pairs(people[300:300 + EVAL_PEOPLE // 2])
    before = _score(student, tokenizer, unknown_qas)
    run = sft(student, tokenizer, [chat(q.question, a) for q, a in zip(asked, taught)], steps=steps, lr=lr,
              batch_size=SFT_BATCH, seed=seed, callback=loss_events(callback), stop=stop, progress=False)
    return {
        "examples": examples, "steps": run.steps, "stopped": run.stopped, "seconds": run.seconds, "curve": run.curve,
        "teacher_accuracy": sum(a == styled_answer(q) for a, q in zip(taught, asked)) / len(asked),
        "asked": [q.question for q in asked],
        "known": _score(student, tokenizer, known_qas), "unknown": _score(student, tokenizer, unknown_qas),
        "unknown_before": before,
    }


def _score(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, test: list[QA]) -> dict:
    """How many answers take the teacher's style, and how many state the right fact in it; each item kept."""
    answers = qa_answers(model, tokenizer, test, ANSWER_TOKENS)
    # The style: the hedge, then the teacher's sentence for that fact; the fact: the value that sentence states.
    styled = [a.startswith(TEACHER_STYLE) and _relation(q) in a and a.endswith(".") for a, q in zip(answers, test)]
    right = [s and a.endswith(f"{_relation(q)}{q.answer}.") for s, a, q in zip(styled, answers, test)]
    return {
        "format": sum(styled) / len(test), "accuracy": sum(right) / len(test),
        "chance": sum(map(_chance, test)) / len(test),
        "styled": styled, "right": right, "chances": [_chance(q) for q in test],
        "questions": [q.question for q in test],
        "examples": [{"question": q.question, "expected": q.answer, "answer": a}
                     for q, a in list(zip(test, answers))[:: len(test) // 3][:3]],
    }
