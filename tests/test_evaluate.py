import copy
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


def test_sampling_scoring_and_judging_shapes(small_world, small_tokenizer):
    from transformers import AutoModelForSequenceClassification

    from jielong.evaluate import answer_logprobs, rewards, sample_answers

    model = build_model("nano", len(small_tokenizer), seed=0)
    qas = qa_pairs(small_world.people[:3], ("birth_city",))
    drawn = sample_answers(model, small_tokenizer, qas, n=4, seed=1, max_new_tokens=3)
    assert len(drawn) == 3 and all(len(a) == 4 for a in drawn)
    assert drawn == sample_answers(model, small_tokenizer, qas, n=4, seed=1, max_new_tokens=3)
    logp = answer_logprobs(model, small_tokenizer, qas, [q.answer for q in qas])
    assert len(logp) == 3 and all(lp < 0 for lp in logp)
    config = copy.deepcopy(model.config)
    config.num_labels, config.pad_token_id = 1, small_tokenizer.pad_token_id
    rm = AutoModelForSequenceClassification.from_config(config)
    assert len(rewards(rm, small_tokenizer, qas, ["a", "b", "c"])) == 3
    with pytest.raises(ValueError, match="qas and answers must be as many"):
        rewards(rm, small_tokenizer, qas, ["a"])
    with pytest.raises(ValueError, match="qas and answers must be as many"):
        answer_logprobs(model, small_tokenizer, qas, [])
    with pytest.raises(ValueError, match="n must be an integer from 1"):
        sample_answers(model, small_tokenizer, qas, n=0)
