"""A byte-level BPE tokenizer trained locally on the world's text, with a chat template.

Defined in the chapter "Stage 1: pre-training".
"""
from __future__ import annotations

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

from .validation import check_int
from .worlds import World, biographies, junk_documents, qa_pairs, spam_documents

BOS, EOS, PAD = "<s>", "</s>", "<pad>"
USER, ASSISTANT, END = "<|user|>", "<|assistant|>", "<|end|>"
SPECIAL_TOKENS = (PAD, BOS, EOS, USER, ASSISTANT, END)

# The assistant's part is wrapped in {% generation %} so that trl can train on it alone.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if message['role'] == 'user' %}" + USER + " {{ message['content'] }}" + END +
    "{% elif message['role'] == 'assistant' %}" + ASSISTANT +
    "{% generation %} {{ message['content'] }}" + END + "{% endgeneration %}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}" + ASSISTANT + "{% endif %}"
)


def training_corpus(world: World) -> list[str]:
    """Every kind of text the book feeds a model: biographies, questions and answers, web junk."""
    texts = biographies(world.people, diversity=5)
    texts += [f"{qa.question} {qa.answer}" for qa in qa_pairs(world.people)]
    texts += junk_documents(200, seed=world.seed) + spam_documents(200, seed=world.seed)
    return texts


def train_tokenizer(world: World, vocab_size: int = 2048) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on the world's text and wrap it for transformers."""
    check_int("vocab_size", vocab_size, 300, 65_536)
    tok = Tokenizer(models.BPE())
    # add_prefix_space makes the first word of a text the same token as that word mid-sentence.
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(training_corpus(world), trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS, eos_token=EOS, pad_token=PAD,
        additional_special_tokens=[USER, ASSISTANT, END],
        chat_template=CHAT_TEMPLATE,
        padding_side="right",
    )
