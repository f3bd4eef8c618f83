import threading

import pytest

from jielong import train
from jielong.models import build_model
from jielong.train import pretrain
from jielong.worlds import biographies


@pytest.fixture()
def setup(small_world, small_tokenizer):
    return build_model("nano", len(small_tokenizer), seed=0), small_tokenizer, biographies(small_world.people, 2)


def test_pretrain_lowers_the_loss_and_streams_metrics(setup):
    model, tok, texts = setup
    seen = []
    result = pretrain(model, tok, texts, steps=60, lr=5e-3, batch_size=8, progress=False,
                      callback=lambda step, loss, m: seen.append((step, loss, m is not None)))
    assert result.steps == 60 and not result.stopped
    assert seen[0][0] == 1 and all(has_model for *_, has_model in seen)
    assert [(s, l) for s, l, _ in seen] == result.curve
    assert result.curve[-1][1] < 0.7 * result.curve[0][1]


def test_pretrain_is_reproducible(small_world, small_tokenizer):
    texts = biographies(small_world.people, 2)
    runs = [pretrain(build_model("nano", len(small_tokenizer), seed=4), small_tokenizer, texts,
                     steps=10, batch_size=4, seed=4, progress=False).curve for _ in range(2)]
    assert runs[0] == runs[1]


def test_stop_event_ends_the_run_early(setup):
    model, tok, texts = setup
    stop = threading.Event()

    def callback(step, loss, m):
        if step >= 5:
            stop.set()

    result = pretrain(model, tok, texts, steps=500, batch_size=4, progress=False, callback=callback, stop=stop,
                      log_every=1)
    assert result.stopped and result.steps < 10


@pytest.mark.parametrize("knobs, message", [
    ({"steps": 0}, "steps must be an integer from 1 to 100000"),
    ({"lr": 0.0}, r"lr must be a number in \(0, 1\]"),
    ({"lr": -1e-3}, r"lr must be a number in \(0, 1\]"),
    ({"lr": 5.0}, r"lr must be a number in \(0, 1\]"),
    ({"batch_size": 0}, "batch_size must be an integer from 1"),
    ({"seed": -1}, "seed must be an integer from 0"),
    ({"log_every": 0}, "log_every must be an integer from 1"),
])
def test_bad_knobs(setup, knobs, message):
    model, tok, texts = setup
    with pytest.raises(ValueError, match=message):
        pretrain(model, tok, texts, progress=False, **knobs)


def test_empty_corpus(setup):
    model, tok, _ = setup
    with pytest.raises(ValueError, match="texts must hold at least one item"):
        pretrain(model, tok, [], progress=False)


def test_sft_trains_only_on_the_assistant_part(small_world, small_tokenizer):
    from jielong.evaluate import qa_accuracy
    from jielong.train import chat, sft
    from jielong.worlds import qa_pairs

    qas = qa_pairs(small_world.people[:4], ("birth_city",))
    model = build_model("nano", len(small_tokenizer), seed=0)
    result = sft(model, small_tokenizer, [chat(q.question, q.answer) for q in qas], steps=80, lr=1e-2,
                 batch_size=4, progress=False)
    assert result.steps == 80 and result.curve[-1][1] < 0.2 * result.curve[0][1]
    assert qa_accuracy(model, small_tokenizer, qas) == 1.0


def test_sft_bad_knobs(setup):
    from jielong.train import sft

    model, tok, _ = setup
    with pytest.raises(ValueError, match="conversations must hold at least one item"):
        sft(model, tok, [], progress=False)
    with pytest.raises(ValueError, match=r"lr must be a number in \(0, 1\]"):
        sft(model, tok, [[{"role": "user", "content": "q"}]], lr=0, progress=False)


def test_sft_can_also_train_on_the_questions(small_world, small_tokenizer):
    """With assistant_only=False (LAMOL's recipe) the model learns to write the questions too."""
    from jielong.evaluate import sample_conversations
    from jielong.train import chat, sft
    from jielong.worlds import qa_pairs

    qas = qa_pairs(small_world.people[:2], ("birth_city",))
    conversations = [chat(q.question, q.answer) for q in qas]
    model = build_model("nano", len(small_tokenizer), seed=0)
    sft(model, small_tokenizer, conversations, steps=150, lr=1e-2, batch_size=2, progress=False, assistant_only=False)
    written = sample_conversations(model, small_tokenizer, 20, seed=0)
    assert len(written) >= 15 and sum(c in conversations for c in written) >= 15


# --- stage 3: the trl trainers on a tiny policy saved to a folder (trl builds its reference from the folder) ---

@pytest.fixture()
def policy(small_tokenizer, tmp_path):
    from jielong.models import load_model

    build_model("nano", len(small_tokenizer), seed=0).save_pretrained(tmp_path)
    model = load_model(tmp_path)
    model.generation_config.eos_token_id = [small_tokenizer.eos_token_id,
                                            small_tokenizer.convert_tokens_to_ids("<|end|>")]
    return model, small_tokenizer, tmp_path


def _user(q):
    return [{"role": "user", "content": q}]


def _said(a):
    return [{"role": "assistant", "content": a}]


def test_reward_modelling_learns_a_preference(policy):
    from transformers import AutoModelForSequenceClassification

    from jielong.evaluate import rewards
    from jielong.train import chat, reward_modelling
    from jielong.worlds import QA

    _, tok, folder = policy
    rm = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=1)
    rm.config.pad_token_id = tok.pad_token_id
    pairs = [{"chosen": chat("Where?", "Lima!"), "rejected": chat("Where?", "Lima")}] * 32
    run = reward_modelling(rm, tok, pairs, steps=20, lr=3e-3, batch_size=8, progress=False)
    assert run.steps == 20 and run.curve[-1][1] < run.curve[0][1]
    qa = QA("", "", "Where?", "Lima")
    good, bad = rewards(rm, tok, [qa, qa], ["Lima!", "Lima"])
    assert good > bad


def test_dpo_and_kto_run_from_a_saved_policy(policy):
    from jielong.train import dpo, kto

    model, tok, _ = policy
    pairs = [{"prompt": _user("Where?"), "chosen": _said("Lima"), "rejected": _said("Oslo")}] * 16
    assert dpo(model, tok, pairs, beta=0.1, steps=3, batch_size=4, progress=False).steps == 3
    thumbs = [{"prompt": _user("Where?"), "completion": _said(a), "label": a == "Lima"} for a in ("Lima", "Oslo")] * 8
    assert kto(model, tok, thumbs, beta=0.1, steps=3, batch_size=4, progress=False).steps == 3


def test_grpo_passes_the_rows_to_the_reward(policy):
    from jielong.train import grpo

    model, tok, _ = policy
    seen = []

    def reward(answers, rows):
        seen.append(rows)
        return [float(len(a)) for a in answers]

    prompts = [{"prompt": _user(f"Where is {i}?"), "key": i} for i in range(4)]
    run = grpo(model, tok, prompts, reward, steps=2, group=4, prompts_per_step=2, max_new_tokens=4, progress=False)
    assert run.steps == 2
    assert all(set(r) == {"key"} for rows in seen for r in rows) and len(seen[0]) == 8


@pytest.mark.parametrize("call, message", [
    (lambda m, t: train.dpo(m, t, [{}], beta=-1.0), "beta must be a number"),
    (lambda m, t: train.kto(m, t, [{}], beta=0.0), "beta must be a number"),
    (lambda m, t: train.grpo(m, t, [{}], len, beta=-0.1), "beta must be a number"),
    (lambda m, t: train.grpo(m, t, [{}], len, steps=0), "steps must be an integer"),
    (lambda m, t: train.grpo(m, t, [{}], len, group=1), "group must be an integer"),
])
def test_stage3_bad_knobs(policy, call, message):
    model, tok, _ = policy
    with pytest.raises(ValueError, match=message):
        call(model, tok)


def test_grpo_without_extra_columns_and_a_bad_schedule(policy):
    from jielong.train import grpo, training_arguments

    model, tok, _ = policy
    got = []
    grpo(model, tok, [{"prompt": _user("Where?")}], lambda answers, rows: got.append(rows) or [0.0] * len(answers),
         steps=1, group=2, prompts_per_step=1, max_new_tokens=2, progress=False)
    assert got[0] == [{}, {}]
    with pytest.raises(ValueError, match="schedule must be one of 'cosine', 'constant'"):
        training_arguments(10, 1e-3, 4, 0, None, schedule="linear")
