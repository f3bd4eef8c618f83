"""The closing chapter: the three stages side by side on one model. Every stage plays the same game (make the next
token likely); only the data changes, and with it which tokens carry the loss and what the stage changes.

Defined in the chapter "The same game, different data".
"""
from __future__ import annotations

from transformers import DataCollatorForLanguageModeling, PreTrainedModel, PreTrainedTokenizerFast

from ..base import BaseSpec, base_model
from ..evaluate import answer_token_logprobs, mean_loss
from ..models import build_model
from ..stats import bootstrap, mean
from ..train import chat, dpo, tokenize_documents
from ..validation import check_int
from ..worlds import Person, World, biography, qa_pairs
from ._common import cached
from .direct_live import dpo_rows, held_out_share
from .policy_optimisation import DIRECT
from .preferences import FEEDBACK_ATTRIBUTES, feedback_questions, policy_model, preference_data

CHECKPOINTS = ("random parameters", "after stage 1", "after stage 2", "after stage 3")
DPO_BETA = 0.1


def _measured_people(world: World, n: int) -> list:
    """`n` people of the world's first half (stage 2's policy was fine-tuned on the second) whom stage 3 never asks
    about either."""
    asked = {qa.person for qa in feedback_questions(world.seed)}
    return [p for p in world.people[: world.n_people // 2] if p.name not in asked][:n]


def unread_biographies(people: list[Person], read: int = BaseSpec().diversity) -> list[str]:
    """For each person, the first rendering of their biography past the `read` ones the base model read whose text
    is none of those (a rendering is a new order of the same sentences, and an order can come round again)."""
    texts = []
    for person in people:
        seen = {biography(person, r) for r in range(read)}
        texts.append(next(t for r in range(read, read + 100) if (t := biography(person, r)) not in seen))
    return texts


def loss_tokens(tokenizer: PreTrainedTokenizerFast, text: str, question: str, answer: str, chosen: str,
                rejected: str) -> dict[str, list[dict]]:
    """Each stage's data as its trainer tokenizes it, every token marked +1 where the loss raises its probability,
    -1 where it lowers it (DPO's rejected answer) and 0 where it is context only."""
    (document,) = tokenize_documents(tokenizer, [text])
    labels = DataCollatorForLanguageModeling(tokenizer, mlm=False)([document])["labels"][0].tolist()
    # A causal LM predicts token i from the tokens before it: the first token is never a target.
    stage1 = [(t, int(i > 0 and label != -100)) for i, (t, label) in enumerate(zip(document["input_ids"], labels))]

    def turn(reply: str, sign: int) -> list[tuple[int, int]]:
        enc = tokenizer.apply_chat_template(chat(question, reply), tokenize=True, return_dict=True,
                                            return_assistant_tokens_mask=True)
        return [(t, sign * m) for t, m in zip(enc["input_ids"], enc["assistant_masks"])]

    def named(pairs: list[tuple[int, int]]) -> list[dict]:
        return [{"token": tokenizer.convert_ids_to_tokens(t).replace("Ġ", " "), "loss": m} for t, m in pairs]

    return {"pre-training": named(stage1), "instruction fine-tuning": named(turn(answer, 1)),
            "RLHF (DPO): preferred": named(turn(chosen, 1)), "RLHF (DPO): rejected": named(turn(rejected, -1))}


def _measures(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, texts: list[str], qas: list,
              pairs: list[dict]) -> dict:
    """What each stage's data asks of a model, per item: the log-probability per token of text it never read, of the
    right answer to a question it was never asked, and whether it finds the better answer of a held-out pair the
    more likely."""
    answers = answer_token_logprobs(model, tokenizer, qas, [qa.answer for qa in qas])
    return {"text": [-mean_loss(model, tokenizer, [t]) for t in texts],
            "answers": [sum(lp) / len(lp) for lp in answers],
            "preferences": [float(ok) for ok in held_out_share(model, tokenizer, pairs)["ordered_right"]]}


@cached
def same_game_run(seed: int = 0, people: int = 40) -> dict:
    """One model through the three stages: random parameters, pre-trained (stage 1, the base model), instruction
    fine-tuned (stage 2, stage 3's starting policy) and DPO on the simulated human's preferences (stage 3, the DPO
    chapter's run). At each checkpoint, each stage's data measured on held-out items; and one example of each
    stage's data with the tokens that carry its loss."""
    check_int("seed", seed, 0, 2**31 - 1)
    check_int("people", people, 4, 100)
    world = World(seed)
    measured = _measured_people(world, people)
    texts = unread_biographies(measured)
    qas = qa_pairs(measured, FEEDBACK_ATTRIBUTES)
    train, held = preference_data(seed)
    base, tokenizer = base_model(BaseSpec(world_seed=seed, seed=seed), progress=False)
    random_model = build_model(BaseSpec().preset, len(tokenizer), seed=seed)
    policy, _ = policy_model(seed)
    checkpoints = {CHECKPOINTS[0]: random_model, CHECKPOINTS[1]: base, CHECKPOINTS[2]: policy}
    measures = {name: _measures(model, tokenizer, texts, qas, held) for name, model in checkpoints.items()}
    run = dpo(policy, tokenizer, dpo_rows(train), beta=DPO_BETA, steps=DIRECT["steps"], lr=DIRECT["lr"], seed=seed,
              progress=False)
    measures[CHECKPOINTS[3]] = _measures(policy, tokenizer, texts, qas, held)
    example = next(r for r in held if r["gap"] > 0)
    means = {c: {d: mean(values) for d, values in m.items()} for c, m in measures.items()}
    intervals = {c: {d: bootstrap(lambda i, v=values: mean(v, i), len(values), seed=seed) for d, values in m.items()}
                 for c, m in measures.items()}
    return {"checkpoints": list(CHECKPOINTS), "measures": measures, "means": means, "intervals": intervals,
            "dpo_seconds": run.seconds,
            "items": {data: len(values) for data, values in measures[CHECKPOINTS[0]].items()},
            "tokens": loss_tokens(tokenizer, texts[0], qas[0].question, qas[0].answer, example["chosen"],
                                  example["rejected"]),
            "example_question": example["qa"].question}
