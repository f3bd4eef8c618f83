import threading

import pytest

from jielong import experiments as ex


def test_pretraining_run_streams_and_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    events = []
    result = ex.pretraining_run("nano", steps=24, seed=0, callback=events.append)
    assert result["steps"] == 24 and not result["stopped"]
    assert events[0]["step"] == 1 and "samples" in events[0] and events[-1]["step"] == 24
    assert len(result["checkpoints"][-1]["samples"]) == ex.SAMPLE_PEOPLE
    assert result["checkpoints"][-1]["val_loss"] < result["checkpoints"][0]["val_loss"]
    again = ex.pretraining_run("nano", steps=24, seed=0, callback=events.append)
    assert again == result  # served from the cache: same numbers, no new events
    assert len(list((tmp_path / "experiments" / "pretraining_run").iterdir())) == 1


def test_a_stopped_run_is_not_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    stop = threading.Event()
    stop.set()
    result = ex.pretraining_run("nano", steps=500, stop=stop)
    assert result["stopped"] and result["steps"] < 500
    assert not (tmp_path / "experiments" / "pretraining_run").exists()


def test_same_seed_same_numbers(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    a = ex.pretraining_run("nano", steps=10, seed=3, use_cache=False)
    b = ex.pretraining_run("nano", steps=10, seed=3, use_cache=False)
    assert a["curve"] == b["curve"] and a["checkpoints"] == b["checkpoints"]


@pytest.mark.parametrize("call, message", [
    (lambda: ex.pretraining_run("huge"), "preset must be one of"),
    (lambda: ex.pretraining_run(steps=0), "steps must be an integer from 1 to 100000"),
    (lambda: ex.pretraining_run(lr=-0.1), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.pretraining_run(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.scaling_sweep(presets=("nano",)), "presets must name at least two"),
    (lambda: ex.scaling_sweep(presets=("nano", "mega")), "presets must be chosen from"),
    (lambda: ex.cleaning_run(filters=("typos",)), "filters must be chosen from"),
    (lambda: ex.cleaning_run(steps=-5), "steps must be an integer from 1"),
    (lambda: ex.base_knowledge(seed=-2), "seed must be an integer from 0"),
    (lambda: ex.sft_run(init="pretrained"), "init must be one of 'base', 'random'"),
    (lambda: ex.sft_run(diversity=0), "diversity must be an integer from 1 to 20"),
    (lambda: ex.sft_run(sft_people=400), "sft_people must be an integer from 1 to 399"),
    (lambda: ex.sft_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.sft_run(lr=-1.0), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.lora_run(rank=0), "rank must be an integer from 1 to 128"),
    (lambda: ex.lora_run(rank=129), "rank must be an integer from 1 to 128"),
    (lambda: ex.lora_run(targets=("attention",)), "targets must be chosen from"),
    (lambda: ex.lora_run(targets=()), "targets must name at least one"),
    (lambda: ex.lora_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.forgetting_run(replay=1.5), r"replay must be a number in \[0, 1\]"),
    (lambda: ex.forgetting_run(replay=-0.1), r"replay must be a number in \[0, 1\]"),
    (lambda: ex.forgetting_run(kind="dreamt"), "kind must be one of 'real', 'generated'"),
    (lambda: ex.forgetting_run(method="adapter"), "method must be one of 'full', 'lora'"),
    (lambda: ex.forgetting_run(lr=0.0), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.imitation_run(examples=0), "examples must be an integer from 1 to 1000"),
    (lambda: ex.imitation_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.task_a_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.teacher_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.policy_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.feedback_questions(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.preference_data(pairs=5), "pairs must be an integer from 10 to 5000"),
    (lambda: ex.reward_model_run(pairs=0), "pairs must be an integer from 10 to 5000"),
    (lambda: ex.reward_model_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.best_of_n_run(samples=8), "samples must be an integer from 32 to 1024"),
    (lambda: ex.rl_run(beta=-0.1), r"beta must be a number in \[0, 10\]"),
    (lambda: ex.rl_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.rl_run(checkpoints=0), "checkpoints must be an integer from 1 to 100"),
    (lambda: ex.verifiable_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.verifiable_run(lr=0.0), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.direct_run(method="ppo"), "method must be one of 'dpo', 'kto'"),
    (lambda: ex.direct_run(beta=0.0), r"beta must be a number in \(0, 10\]"),
    (lambda: ex.direct_run(beta=-1.0), r"beta must be a number in \(0, 10\]"),
    (lambda: ex.direct_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.direct_run(labels="crowd"), "labels must be one of 'human', 'self'"),
    (lambda: ex.rlaif_run(judge="gpt-4"), "judge must be one of 'self', 'base'"),
])
def test_bad_knobs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_feedback_questions_have_one_question_per_right_answer():
    qas = ex.feedback_questions(0)
    assert len(qas) == 4 * ex.FEEDBACK_PEOPLE and qas == ex.feedback_questions(0)
    answers = [(q.attribute, q.answer) for q in qas]
    assert len(set(answers)) == len(answers)
    asked = {q.person for q in qas}
    taught = {p.name for p in ex.World(0).people[200:]}
    assert not asked & taught  # the policy was never fine-tuned on these people
