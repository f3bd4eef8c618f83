"""Measuring a model: loss and perplexity on text, fact completion and question answering by exact match.

Defined in the chapter "Stage 1: pre-training".
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from .train import tokenize_documents
from .validation import check_int
from .worlds import ATTRIBUTES, QA, Person, fact_prompt

BATCH = 256


def _batches(items: Sequence, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


@torch.no_grad()
def mean_loss(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, texts: list[str]) -> float:
    """Mean next-token cross-entropy (nats per token) over `texts`."""
    if not texts:
        raise ValueError("texts must hold at least one document")
    model.eval()
    total, count = 0.0, 0
    for docs in _batches(tokenize_documents(tokenizer, texts), 128):
        batch = tokenizer.pad(docs, return_tensors="pt").to(model.device)
        logits = model(**batch).logits[:, :-1].float()
        target = batch["input_ids"][:, 1:].masked_fill(batch["attention_mask"][:, 1:] == 0, -100)
        total += torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)), target.reshape(-1), ignore_index=-100, reduction="sum"
        ).item()
        count += int((target != -100).sum())
    return total / count


def perplexity(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, texts: list[str]) -> float:
    """exp(mean loss): how many tokens the model is, on average, hesitating between."""
    return math.exp(mean_loss(model, tokenizer, texts))


@torch.no_grad()
def complete(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerFast,
    prompts: list[str],
    max_new_tokens: int = 8,
    chat: bool = False,
) -> list[str]:
    """Greedy continuations of `prompts` (as chat questions when `chat`), cut at the end of the sentence."""
    check_int("max_new_tokens", max_new_tokens, 1, 200)
    model.eval()
    if chat:
        ids = _question_ids(tokenizer, prompts)
    else:
        ids = [[tokenizer.bos_token_id, *x] for x in tokenizer(prompts, add_special_tokens=False)["input_ids"]]
    texts = _generate(model, tokenizer, ids, max_new_tokens=max_new_tokens, do_sample=False)
    return [text.strip() if chat else text.split(".")[0].strip() for text in texts]


def stop_tokens(tokenizer: PreTrainedTokenizerFast) -> list[int]:
    """The tokens that end an answer: the end of the text, or the end of the assistant's turn."""
    return [tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|end|>")]


def _question_ids(tokenizer: PreTrainedTokenizerFast, questions: Sequence[str]) -> list[list[int]]:
    """Each question as a user turn, up to where the assistant's answer starts."""
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": q}], tokenize=False,
                                           add_generation_prompt=True) for q in questions]
    return tokenizer(texts, add_special_tokens=False)["input_ids"]


def _generate(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, ids: list[list[int]],
              **generation) -> list[str]:
    """The decoded continuation of each prompt, generated in batches until a stop token."""
    out: list[str] = []
    for chunk in _batches(ids):
        width = max(map(len, chunk))
        # Left padding, so that every prompt ends where generation starts.
        input_ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(x)) + x for x in chunk])
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in chunk])
        gen = model.generate(input_ids=input_ids.to(model.device), attention_mask=mask.to(model.device),
                             pad_token_id=tokenizer.pad_token_id, eos_token_id=stop_tokens(tokenizer), **generation)
        out += [tokenizer.decode(row, skip_special_tokens=True) for row in gen[:, width:].tolist()]
    return out


def fact_completions(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
                     people: Sequence[Person], attributes: Sequence[str] = ATTRIBUTES) -> list[tuple[str, str, str]]:
    """(prompt, expected, generated) for every person and attribute, e.g. ("X was born in", "Lima", "Lima")."""
    if not people or not attributes:
        raise ValueError("people and attributes must each hold at least one item")
    rows = [(fact_prompt(p, a), p.fact(a)) for p in people for a in attributes]
    got = complete(model, tokenizer, [r[0] for r in rows])
    return [(prompt, want, g) for (prompt, want), g in zip(rows, got)]


def fact_correct(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
                 people: Sequence[Person], attributes: Sequence[str] = ATTRIBUTES) -> list[bool]:
    """For every person and attribute, whether the model completes the canonical sentence with the right value."""
    return [want == got for _, want, got in fact_completions(model, tokenizer, people, attributes)]


def fact_accuracy(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast,
                  people: Sequence[Person], attributes: Sequence[str] = ATTRIBUTES) -> float:
    """Share of canonical sentences ("X was born in") the model completes with the right value."""
    correct = fact_correct(model, tokenizer, people, attributes)
    return sum(correct) / len(correct)


def qa_answers(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA],
               max_new_tokens: int = 8) -> list[str]:
    """The model's answer to each question, asked in the chat format (at most `max_new_tokens` tokens)."""
    return complete(model, tokenizer, [qa.question for qa in qas], max_new_tokens=max_new_tokens, chat=True)


def qa_correct(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA]) -> list[bool]:
    """For every question, whether the model answers it with exactly the right value."""
    if not qas:
        raise ValueError("qas must hold at least one question")
    return [a == qa.answer for a, qa in zip(qa_answers(model, tokenizer, qas), qas)]


def qa_accuracy(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA]) -> float:
    """Share of questions answered with exactly the right value."""
    correct = qa_correct(model, tokenizer, qas)
    return sum(correct) / len(correct)


@torch.no_grad()
def sample_conversations(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, n: int, seed: int = 0,
                         max_new_tokens: int = 32) -> list[list[dict[str, str]]]:
    """Let the model write `n` conversations of its own, question and answer, from an empty user turn (LAMOL).

    Samples that do not come out as one well-formed exchange are dropped, so fewer than `n` may return.
    """
    check_int("n", n, 1, 100_000)
    check_int("seed", seed, 0, 2**31 - 1)
    model.eval()
    user, end, assistant = (tokenizer.convert_tokens_to_ids(t) for t in ("<|user|>", "<|end|>", "<|assistant|>"))
    specials = {user, tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id}
    torch.manual_seed(seed)
    out: list[list[dict[str, str]]] = []
    for size in [BATCH] * (n // BATCH) + [n % BATCH] * bool(n % BATCH):
        start = torch.tensor([[tokenizer.bos_token_id, user]] * size, device=model.device)
        gen = model.generate(input_ids=start, attention_mask=torch.ones_like(start), do_sample=True, top_k=0,
                             max_new_tokens=max_new_tokens, pad_token_id=tokenizer.pad_token_id, eos_token_id=None)
        for row in gen[:, 2:].tolist():
            # One exchange: question <|end|> <|assistant|> answer <|end|>
            if row.count(end) < 2 or row[row.index(end) + 1] != assistant:
                continue
            q_end = row.index(end)
            a_end = row.index(end, q_end + 1)
            if set(row[:a_end]) & specials:
                continue
            question = tokenizer.decode(row[:q_end], skip_special_tokens=True).strip()
            answer = tokenizer.decode(row[q_end + 2 : a_end], skip_special_tokens=True).strip()
            if question and answer:
                out.append([{"role": "user", "content": question}, {"role": "assistant", "content": answer}])
    return out


@torch.no_grad()
def sample_answers(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA], n: int = 1,
                   seed: int = 0, max_new_tokens: int = 8) -> list[list[str]]:
    """`n` answers to each question, sampled at temperature 1 in the chat format (stage 3's policy samples)."""
    check_int("n", n, 1, 10_000)
    check_int("seed", seed, 0, 2**31 - 1)
    check_int("max_new_tokens", max_new_tokens, 1, 200)
    model.eval()
    ids = [x for x in _question_ids(tokenizer, [qa.question for qa in qas]) for _ in range(n)]
    torch.manual_seed(seed)
    flat = [text.strip() for text in _generate(model, tokenizer, ids, max_new_tokens=max_new_tokens, do_sample=True,
                                               top_k=0, temperature=1.0)]
    return [flat[i * n:(i + 1) * n] for i in range(len(qas))]


@torch.no_grad()
def rewards(reward_model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA],
            answers: Sequence[str]) -> list[float]:
    """A reward model's score of each (question, answer) exchange."""
    if len(qas) != len(answers):
        raise ValueError(f"qas and answers must be as many, got {len(qas)} and {len(answers)}")
    reward_model.eval()
    texts = [tokenizer.apply_chat_template([{"role": "user", "content": qa.question},
                                            {"role": "assistant", "content": a}], tokenize=False)
             for qa, a in zip(qas, answers)]
    out: list[float] = []
    for chunk in _batches(texts):
        batch = tokenizer(chunk, add_special_tokens=False, padding=True, return_tensors="pt").to(reward_model.device)
        out += reward_model(**batch).logits[:, 0].float().tolist()
    return out


def answer_logprobs(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA],
                    answers: Sequence[str]) -> list[float]:
    """log p(answer | question) under a chat model: how likely the model finds each answer (a judge's score)."""
    return [float(torch.tensor(lps).sum()) for lps in answer_token_logprobs(model, tokenizer, qas, answers)]


@torch.no_grad()
def answer_token_logprobs(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, qas: Sequence[QA],
                          answers: Sequence[str]) -> list[list[float]]:
    """log p of each token of each answer after its question, then of the end of the turn (teacher-forced, as SFT
    reads a given answer)."""
    if len(qas) != len(answers):
        raise ValueError(f"qas and answers must be as many, got {len(qas)} and {len(answers)}")
    model.eval()
    end = tokenizer.convert_tokens_to_ids("<|end|>")
    out: list[list[float]] = []
    for chunk in _batches(list(zip(qas, answers))):
        heads = _question_ids(tokenizer, [qa.question for qa, _ in chunk])
        tails = tokenizer([f" {a}" for _, a in chunk], add_special_tokens=False)["input_ids"]
        seqs = [h + t + [end] for h, t in zip(heads, tails)]
        width = max(map(len, seqs))
        ids = torch.tensor([s + [tokenizer.pad_token_id] * (width - len(s)) for s in seqs], device=model.device)
        logp = torch.log_softmax(model(input_ids=ids).logits[:, :-1].float(), -1)
        picked = logp.gather(-1, ids[:, 1:, None])[..., 0]
        out += [picked[i, len(h) - 1 : len(s) - 1].tolist() for i, (h, s) in enumerate(zip(heads, seqs))]
    return out
