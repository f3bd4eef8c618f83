import math

import pytest

from jielong.evaluate import complete, fact_accuracy, mean_loss, perplexity, qa_accuracy, sample_conversations
from jielong.models import build_model
from jielong.worlds import biographies, qa_pairs


def test_untrained_model_is_near_uniform_and_knows_nothing(small_world, small_tokenizer):
    model = build_model("nano", len(small_tokenizer), seed=0)
    texts = biographies(small_world.people, 1)
    loss = mean_loss(model, small_tokenizer, texts)
    assert abs(loss - math.log(len(small_tokenizer))) < 0.5
    assert perplexity(model, small_tokenizer, texts) == pytest.approx(math.exp(loss))
    assert fact_accuracy(model, small_tokenizer, small_world.people) < 0.05
    assert qa_accuracy(model, small_tokenizer, qa_pairs(small_world.people)) < 0.05


def test_complete_returns_one_answer_per_prompt(small_tokenizer):
    model = build_model("nano", len(small_tokenizer), seed=0)
    out = complete(model, small_tokenizer, ["a", "b c d", "e f"], max_new_tokens=3)
    assert len(out) == 3 and all(isinstance(o, str) for o in out)


def test_base_model_completes_facts_but_does_not_answer(base):
    """Measured on all 400 people x 5 facts by the chapter; here on a sample as a unit check."""
    from jielong.worlds import World

    model, tok = base
    people = World().people[:60]
    assert fact_accuracy(model, tok, people) >= 0.8
    assert qa_accuracy(model, tok, qa_pairs(people)) <= 0.2


@pytest.mark.parametrize("call, message", [
    (lambda m, t: mean_loss(m, t, []), "texts must hold at least one document"),
    (lambda m, t: qa_accuracy(m, t, []), "qas must hold at least one question"),
    (lambda m, t: complete(m, t, ["a"], max_new_tokens=0), "max_new_tokens must be an integer from 1 to 200"),
    (lambda m, t: fact_accuracy(m, t, []), "people and attributes must each hold at least one item"),
    (lambda m, t: sample_conversations(m, t, 0), "n must be an integer from 1"),
])
def test_bad_knobs(small_tokenizer, call, message):
    model = build_model("nano", len(small_tokenizer), seed=0)
    with pytest.raises(ValueError, match=message):
        call(model, small_tokenizer)


def test_an_untrained_model_writes_no_well_formed_conversation(small_tokenizer):
    model = build_model("nano", len(small_tokenizer), seed=0)
    assert sample_conversations(model, small_tokenizer, 8, seed=0) == []
