import json
import threading

import pytest

from jielong import cache, experiments as ex
from jielong.worlds import World, biographies, qa_pairs


def test_pretraining_run_streams_and_is_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    events = []
    result = ex.pretraining_run("nano", steps=24, seed=0, callback=events.append)
    assert result["steps"] == 24 and not result["stopped"]
    assert events[0]["step"] == 1 and "samples" in events[0] and events[-1]["step"] == 24
    assert len(result["checkpoints"][-1]["samples"]) == ex.pretraining.SAMPLE_PEOPLE
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
    (lambda: ex.cleaning_run(dirty="yes"), "dirty must be one of True, False"),
    (lambda: ex.pretraining_run(people=0), "people must be an integer from 1 to 48"),
    (lambda: ex.pretraining_run(copies=0), "copies must be an integer from 1 to 48"),
    (lambda: ex.data_sweep(preset="huge"), "preset must be one of"),
    (lambda: ex.base_knowledge(seed=-2), "seed must be an integer from 0"),
    (lambda: ex.sft_run(init="pretrained"), "init must be one of 'base', 'random', 'unread'"),
    (lambda: ex.sft_run(diversity=0), "diversity must be an integer from 1 to 20"),
    (lambda: ex.sft_run(sft_people=400), "sft_people must be an integer from 1 to 399"),
    (lambda: ex.sft_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.sft_run(lr=-1.0), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.lora_run(rank=0), "rank must be an integer from 1 to 128"),
    (lambda: ex.lora_run(rank=129), "rank must be an integer from 1 to 128"),
    (lambda: ex.lora_run(targets=("attention",)), "targets must be chosen from"),
    (lambda: ex.lora_run(targets=()), "targets must name at least one"),
    (lambda: ex.lora_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.lora_run(unread_embeddings=1), "unread_embeddings must be True or False"),
    (lambda: ex.forgetting_run(replay=1.5), r"replay must be a number in \[0, 1\]"),
    (lambda: ex.forgetting_run(replay=-0.1), r"replay must be a number in \[0, 1\]"),
    (lambda: ex.forgetting_run(kind="dreamt"), "kind must be one of 'real', 'generated', 'task-b'"),
    (lambda: ex.forgetting_run(method="adapter"), "method must be one of 'full', 'lora'"),
    (lambda: ex.forgetting_run(lr=0.0), r"lr must be a number in \(0, 1\]"),
    (lambda: ex.imitation_run(examples=0), "examples must be an integer from 1 to 1000"),
    (lambda: ex.imitation_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.task_a_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.teacher_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.policy_model(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.feedback_questions(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.preference_data(pairs=5), "pairs must be an integer from 10 to 5000"),
    (lambda: ex.preference_data(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.same_game_run(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.ia3_run("wrong"), "answers must be one of 'right', 'shuffled'"),
    (lambda: ex.ia3_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.ia3_run(eval_people=0), "eval_people must be an integer from 1 to 200"),
    (lambda: ex.data_size_run(people=0), "people must be an integer from 1 to 200"),
    (lambda: ex.data_size_run(people=201), "people must be an integer from 1 to 200"),
    (lambda: ex.data_size_run(answers="noisy"), "answers must be one of 'right', 'shuffled'"),
    (lambda: ex.data_size_run(eval_people=101), "eval_people must be an integer from 1 to 100"),
    (lambda: ex.data_size_run(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.data_size_sweep(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.panel_run(panel="crowd"), "panel must be one of 'own scales', 'one scale'"),
    (lambda: ex.panel_run(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.reward_pairs_run(pairs=1000), "pairs must be one of 300, 3000"),
    (lambda: ex.reward_pairs_run(labels="crowd"), "labels must be one of 'human', 'shuffled'"),
    (lambda: ex.large_held_out(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.judging_run(model="gpt-4"), "model must be one of 'policy', 'random'"),
    (lambda: ex.judging_run(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.dpo_live_run(beta=0.0), r"beta must be a number in \(0, 10\]"),
    (lambda: ex.dpo_live_run(steps=0), "steps must be an integer from 1 to 200"),
    (lambda: ex.dpo_live_run(lr=1.0), r"lr must be a number in \(0, 0.01\]"),
    (lambda: ex.sft_policy_share(seed=-1), "seed must be an integer from 0"),
    (lambda: ex.same_game_run(people=2), "people must be an integer from 4 to 100"),
    (lambda: ex.reward_model_run(pairs=0), "pairs must be an integer from 10 to 5000"),
    (lambda: ex.reward_model_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.reward_model_run(labels="crowd"), "labels must be one of 'human', 'shuffled'"),
    (lambda: ex.verifiable_run(reward="dice"), "reward must be one of 'verifiable', 'random'"),
    (lambda: ex.sft_run(eval_people=0), "eval_people must be an integer from 1 to 200"),
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
    (lambda: ex.direct_run(labels="crowd"), "labels must be one of 'human', 'self', 'shuffled'"),
    (lambda: ex.rlaif_run(judge="gpt-4"), "judge must be one of 'self', 'base', 'length'"),
    (lambda: ex.learning_rate_run(lr=0.0), r"lr must be a number in \(0, 100\]"),
    (lambda: ex.learning_rate_run(steps=0), "steps must be an integer from 1"),
    (lambda: ex.shortcut_run(against_shortcut=0.9), r"against_shortcut must be a number in \[0, 0.5\]"),
    (lambda: ex.shortcut_run(init="imagenet"), "init must be one of 'random', 'prior', 'shuffled prior'"),
    (lambda: ex.shortcut_run(pictures_seen=1), "pictures_seen must be an integer from 2"),
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
    taught = {p.name for p in World(0).people[200:]}
    assert not asked & taught  # the policy was never fine-tuned on these people


# --- held out means held out: what no training step reads ---------------------------------------------------------

def _sentences(texts: list[str]) -> set[str]:
    return {s.strip() for t in texts for s in t.split(". ")}


def test_pretraining_held_out_people_are_never_read():
    world = World(0, ex.SMALL_WORLD)
    readers, held = ex.split_people(world)
    assert len(readers) == ex.TRAIN_PEOPLE and not {p.name for p in readers} & {p.name for p in held}
    held_text = ex.held_out_texts(world)
    for corpus in (biographies(readers, diversity=5), ex.dirty_corpus(world, 0), ex.dirty_corpus(world, 0, dirty=False)):
        assert not _sentences(corpus) & _sentences(held_text)
        assert not any(p.name in text for p in held for text in corpus)


def test_background_tests_pictures_no_training_step_saw():
    """The black cats and yellow dogs of the test are never among the pictures any training run reads."""
    from jielong.experiments import background
    from jielong.pictures import OTHER_COLOURS, pictures

    def flat(data: dict) -> set:
        return {tuple(x.flatten().tolist()) for x in data["images"]}

    test = flat(pictures(background.TEST_PICTURES, 0, against_shortcut=1.0, split="test"))
    trained = [pictures(n, 0, against_shortcut=a) for n, a in ((background.TRAIN_PICTURES, 0.0),
                                                               (background.TRAIN_PICTURES, 0.5),
                                                               (4 * background.TRAIN_PICTURES, 0.0))]
    trained.append(pictures(background.PRIOR_PICTURES, 0, colours=OTHER_COLOURS, split="prior"))
    for data in trained:
        assert not flat(data) & test


def test_background_runs_stream_and_are_cached(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    events = []
    run = ex.learning_rate_run(lr=0.5, steps=30, seed=0, callback=events.append)
    assert events and events[-1]["step"] == 30 and run["final_loss"] < run["start_loss"]
    assert ex.learning_rate_run(lr=0.5, steps=30, seed=0) == run
    shortcut = ex.shortcut_run(seed=0)
    assert shortcut["train_accuracy"] == 1.0 and len(shortcut["test_correct"]) == ex.background.TEST_PICTURES


def test_data_sweep_adds_distinct_text_not_copies():
    world = World(0, ex.SMALL_WORLD)
    readers = ex.split_people(world)[0]
    corpora = [set(biographies(readers[:k], diversity=5)) for k in ex.DATA_PEOPLE]
    assert all(len(a) < len(b) and a < b for a, b in zip(corpora, corpora[1:]))  # more people: more distinct text
    copies = ex.DATA_PEOPLE[-1] // ex.DATA_PEOPLE[0]
    assert len(biographies(readers[: ex.DATA_PEOPLE[0]], diversity=5) * copies) == len(biographies(readers, diversity=5))


def test_fine_tuning_tests_people_it_never_asks_about():
    people = World(0).people
    taught = {q.question for q in qa_pairs(people[: ex.SFT_PEOPLE])}
    untaught = qa_pairs(people[ex.SFT_PEOPLE:][: ex.fine_tuning.MAX_EVAL_PEOPLE])
    assert not taught & {q.question for q in untaught}


def test_every_instruction_data_size_is_asked_about_people_no_size_teaches():
    for seed in (0, 1):
        people = World(seed).people
        held = {q.question for q in qa_pairs(ex.held_out_people(seed))}
        assert len(held) == 5 * ex.EVAL_PEOPLE
        for size in ex.DATA_SIZES:
            assert not held & {q.question for q in qa_pairs(people[:size])}
    assert max(ex.DATA_SIZES) == ex.SFT_PEOPLE and ex.SMALL_DATA * 2 == ex.SFT_PEOPLE  # "half of the examples"


def test_the_full_data_size_run_is_sft_run_itself(monkeypatch):
    """The largest data size with right answers trains what `sft_run` trains, so it reads `sft_run`'s result."""
    calls = []
    fake = {"steps": 200, "seconds": 1.0, "curve": [], "unseen_correct": [True, False], "unseen_accuracy": 0.5}
    monkeypatch.setattr(ex.instruction_data, "sft_run", lambda **kw: calls.append(kw) or fake)
    run = ex.data_size_run(ex.SFT_PEOPLE, "right", seed=3, use_cache=False)
    assert calls == [{"seed": 3, "eval_people": ex.EVAL_PEOPLE, **ex.instruction_data.RECIPE}]
    assert run["held_out_accuracy"] == 0.5 and run["examples"] == 5 * ex.SFT_PEOPLE
    assert ex.instruction_data.RECIPE == {"steps": 200, "lr": 7e-4, "batch_size": ex.SFT_BATCH}  # sft_run's defaults
    import inspect

    defaults = {k: v.default for k, v in inspect.signature(ex.sft_run).parameters.items()}
    assert {k: defaults[k] for k in ("steps", "lr", "batch_size")} == ex.instruction_data.RECIPE


def test_coin_labels_swap_half_of_each_kind_of_pair():
    """The control's labels carry nothing about quality: in each kind of pair (better, worse or equal answer chosen;
    by a fact or by friendliness) half the pairs are swapped, odd ones out by a coin, and the pairs stay the same."""
    from collections import Counter

    gaps = [1.0] * 41 + [-1.0] * 7 + [0.3] * 30 + [-0.3] * 11 + [0.0] * 9
    rows = [{"qa": i, "chosen": f"a{i}", "rejected": f"b{i}", "gap": g} for i, g in enumerate(gaps)]
    labelled = ex.reward.coin_labels(rows, seed=0)
    assert [{r["chosen"], r["rejected"]} for r in labelled] == [{r["chosen"], r["rejected"]} for r in rows]
    swapped = Counter(r["gap"] for r, new in zip(rows, labelled) if new["chosen"] != r["chosen"])
    for gap, n in Counter(gaps).items():
        assert swapped[gap] in (n // 2, n - n // 2), gap
    assert labelled == ex.reward.coin_labels(rows, seed=0) != ex.reward.coin_labels(rows, seed=1)


def test_a_resample_of_questions_takes_all_their_pairs():
    k = ex.PAIRS_PER_QUESTION
    ratings = [[1, 2, 3, 4, 5, 6, 7, 8] * k, [1, 2, 3, 4, 8, 7, 6, 5] * k]  # 4 questions of k pairs: 4k answers, twice
    run = {"ratings": ratings, "pairs": 4 * k, "decided": [True] * (4 * k)}
    assert ex.question_agreement(run) == ex.preferences.panel_agreement(ratings, 4 * k, run["decided"])
    twice = ex.question_agreement(run, [1, 1])
    assert twice == ex.preferences.panel_agreement(ratings, 4 * k, run["decided"], [k + i for i in range(k)] * 2)


def test_the_judged_people_are_people_the_policy_was_never_asked_about():
    from jielong.experiments.preferences import _friendly_answers

    world = World(0)
    asked = {message["content"] for conversation in _friendly_answers(world) for message in conversation
             if message["role"] == "user"}
    judged = qa_pairs(world.people[: ex.judging.JUDGED_PEOPLE], ex.FEEDBACK_ATTRIBUTES)
    assert asked and not asked & {q.question for q in judged}


def test_forgetting_splits_are_disjoint():
    rehearsal, test = ex.task_a_split(0)
    assert not {q.question for q in rehearsal} & {q.question for q in test}
    assert len(rehearsal) + len(test) == 5 * ex.TASK_A["people"]
    b_train, b_test = ex.task_b_split(0)
    assert not {q.question for q in b_train} & {q.question for q in b_test}


def test_imitation_data_and_tests_are_disjoint():
    people = World(0).people
    asked = {p.name for p in people[:100] + people[200:300]}
    known, unknown = people[100:150], people[300:350]
    assert not asked & {p.name for p in known + unknown}
    assert all(i >= ex.STUDENT_KNOWS for i in range(300, 350))  # the student never read about the unknown people


def test_the_same_game_measures_people_no_stage_after_the_first_was_taught():
    world = World(0)
    measured = {p.name for p in ex.same_game._measured_people(world, 40)}
    fine_tuned = {p.name for p in world.people[world.n_people // 2:]}  # the policy's instruction data
    rewarded = {qa.person for qa in ex.feedback_questions(0)}  # stage 3's questions
    assert len(measured) == 40 and not measured & fine_tuned and not measured & rewarded
    read = set(biographies(world.people, diversity=5))  # what the base model read
    people = ex.same_game._measured_people(world, 40)
    assert read & set(biographies(people, diversity=1, start=5))  # the control: a plain new rendering can repeat one
    unread = ex.same_game.unread_biographies(people)
    assert len(unread) == 40 and not read & set(unread)


def test_each_stages_loss_falls_on_its_own_tokens():
    from jielong.base import tokenizer_for
    tokens = ex.loss_tokens(tokenizer_for(World(0)), "Ada Li was born in Lima.", "Where was Ada Li born?", "Lima",
                            "Lima!", "Paris")
    text = tokens["pre-training"]
    assert text[0]["loss"] == 0 and all(t["loss"] == 1 for t in text[1:])  # every token but the first is a target
    answer = tokens["instruction fine-tuning"]
    trained = "".join(t["token"] for t in answer if t["loss"])
    assert trained.strip().startswith("Lima") and "Ada" not in trained  # the question is context only
    assert {t["loss"] for t in tokens["RLHF (DPO): rejected"]} == {0, -1}  # DPO lowers the rejected answer
    assert "".join(t["token"] for t in tokens["RLHF (DPO): preferred"] if t["loss"]).strip().startswith("Lima!")


@pytest.mark.slow
def test_preference_data_read_from_the_disk_is_the_data_computed_fresh():
    from jielong.feedback import Human
    from jielong.worlds import QA

    ex.preference_data.cache_clear()
    train, held = ex.preference_data(0)  # from the disk once any test or chapter has computed it
    fresh = ex.preferences._preference_rows(0, ex.PAIRS, Human(), use_cache=False)
    assert [{**r, "qa": QA(**r["qa"])} for r in fresh["train"]] == train and isinstance(train[0]["qa"], QA)
    assert [{**r, "qa": QA(**r["qa"])} for r in fresh["held"]] == held


@pytest.mark.slow
def test_the_large_held_out_pairs_are_no_training_pair():
    held = ex.large_held_out(0)
    trained = {ex.pair_key(r) for n in ex.reward_pairs.SIZES for r in ex.preference_data(0, n)[0]}
    assert len(held) == ex.LARGE_HELD_OUT and not trained & {ex.pair_key(r) for r in held}
    # the pairs with a better answer, which the accuracy counts: at least three times the held-out pairs they replace
    assert sum(r["gap"] != 0 for r in held) >= 3 * ex.HELD_OUT_PAIRS


@pytest.mark.slow
def test_the_dpo_panels_default_run_moves_the_policy_beyond_noise():
    """The DPO panel's default run raises the held-out share by more than its paired 95% interval; the control, the
    same run with a learning rate too small to move anything, changes nothing."""
    from jielong.stats import bootstrap, mean

    def gain(run: dict) -> tuple[float, tuple[float, float]]:
        before, after = run["before"]["ordered_right"], run["after"]["ordered_right"]
        diff = lambda i: mean(after, i) - mean(before, i)  # noqa: E731
        return diff(None), bootstrap(diff, len(before))

    effect, (low, _) = gain(ex.dpo_live_run(seed=0))
    assert effect >= 0.05 and low > 0
    control, _ = gain(ex.dpo_live_run(seed=0, lr=1e-9))
    assert abs(control) < 0.02


@pytest.mark.slow
def test_a_reward_model_on_fewer_comparisons_learns_from_the_first_ones_none_of_them_held_out(monkeypatch):
    """The reward panel's run trains on exactly the first `pairs` comparisons of the set, none of them a held-out pair;
    it orders the held-out pairs above chance (its 95% interval clears 0.5), and well above one step's model (the
    control: no learning, an arbitrary order)."""
    from jielong.experiments import reward
    from jielong.experiments.preferences import pair_key
    from jielong.stats import wilson
    from jielong.widgets import RM_PANEL_PAIRS, RM_PANEL_STEPS

    trained, real = [], reward.reward_modelling

    def recording(model, tokenizer, data, **knobs):
        trained.extend(data)
        return real(model, tokenizer, data, **knobs)

    monkeypatch.setattr(reward, "reward_modelling", recording)
    run = ex.reward_model_run(RM_PANEL_PAIRS, RM_PANEL_STEPS, seed=0, use_cache=False)
    train, held = ex.preference_data(0)
    key = lambda c: (c["chosen"][0]["content"], frozenset((c["chosen"][1]["content"], c["rejected"][1]["content"])))  # noqa: E731
    assert [key(c) for c in trained] == [pair_key(r) for r in train[:RM_PANEL_PAIRS]]
    assert ex.preference_data(0, RM_PANEL_PAIRS) == (train[:RM_PANEL_PAIRS], held)
    assert not {key(c) for c in trained} & {pair_key(r) for r in held}
    decided = run["ordered_right"]
    assert wilson(sum(decided), len(decided))[0] > 0.5, run["accuracy"]
    assert run["accuracy"] >= ex.reward_model_run(RM_PANEL_PAIRS, 1, seed=0)["accuracy"] + 0.1


def test_the_unread_tokens_are_in_the_conversations_and_never_in_the_pre_training_text():
    from jielong.base import tokenizer_for
    from jielong.train import chat, tokenize_documents

    world = World(0)
    tokenizer = tokenizer_for(world)
    read = biographies(world.people, 5)
    taught = [chat(q.question, q.answer) for q in qa_pairs(world.people[: ex.SFT_PEOPLE])]
    unread = ex.fine_tuning.unread_tokens(tokenizer, read, taught)
    names = tokenizer.convert_ids_to_tokens(unread)
    assert {"<|user|>", "<|assistant|>", "<|end|>", "?", "ĠWhere", "ĠWhen"} <= set(names)
    assert "Ġborn" not in names and tokenizer.bos_token not in names  # read in every biography
    assert not set(unread) & {i for document in tokenize_documents(tokenizer, read) for i in document["input_ids"]}


def test_the_lora_adapter_trains_only_its_matrices_and_the_unread_tokens_embeddings():
    import torch

    from jielong.models import build_model, count_parameters, add_lora
    from jielong.train import chat, sft
    from jielong.base import tokenizer_for

    tokenizer = tokenizer_for(World(0))
    base = build_model("nano", len(tokenizer), seed=0)
    tokens = tokenizer.convert_tokens_to_ids(["<|end|>", "ĠWhere"])
    adapted = ex.fine_tuning.lora_adapter(base, 4, ("q_proj", "v_proj"), tokens)
    plain = count_parameters(add_lora(build_model("nano", len(tokenizer), seed=0), 4, ("q_proj", "v_proj")),
                             trainable_only=True)
    assert count_parameters(adapted, trainable_only=True) == plain + len(tokens) * base.config.hidden_size
    sft(adapted, tokenizer, [chat(q.question, q.answer) for q in qa_pairs(World(0).people[:8])], steps=3, lr=1e-2,
        batch_size=4, seed=0, progress=False)
    merged = adapted.merge_and_unload().get_input_embeddings().weight
    moved = (merged - base.get_input_embeddings().weight).abs().sum(dim=1).nonzero().flatten().tolist()
    assert moved == sorted(tokens)  # the adapter's base is a copy, left as it was; only the two rows moved
    assert torch.equal(base.get_input_embeddings().weight, build_model("nano", len(tokenizer), seed=0)
                       .get_input_embeddings().weight)


def test_the_ia3_control_keeps_the_questions_and_shuffles_their_answers():
    right = qa_pairs(World(0).people[: ex.SFT_PEOPLE])
    shuffled = ex.shuffled_answers(right, seed=0)
    assert [(q.question, q.attribute) for q in shuffled] == [(q.question, q.attribute) for q in right]
    for attribute in {q.attribute for q in right}:
        assert sorted(q.answer for q in shuffled if q.attribute == attribute) == \
            sorted(q.answer for q in right if q.attribute == attribute)
    assert sum(a.answer == b.answer for a, b in zip(right, shuffled)) < 0.2 * len(right)


def test_the_ia3_control_is_the_same_in_every_process():
    """Python salts string hashes per process: nothing that orders the shuffle may depend on them."""
    import os
    import subprocess
    import sys

    code = ("from jielong.experiments import SFT_PEOPLE, shuffled_answers; from jielong.worlds import World, qa_pairs; "
            "print([q.answer for q in shuffled_answers(qa_pairs(World(0).people[:SFT_PEOPLE]), 0)])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": salt}).stdout for salt in ("1", "2", "3")}
    assert len(runs) == 1


# --- the cache is keyed by the code that made it -------------------------------------------------------------------

def test_a_result_from_other_code_is_never_read(monkeypatch, tmp_path):
    monkeypatch.setenv("JIELONG_CACHE", str(tmp_path))
    first = ex.pretraining_run("nano", steps=5, seed=0)
    folder = tmp_path / "experiments" / "pretraining_run"
    (entry,) = folder.iterdir()
    stale = json.loads(entry.read_text())
    stale["val_loss"] = -1.0  # what older code might have written
    entry.write_text(json.dumps(stale))
    assert ex.pretraining_run("nano", steps=5, seed=0)["val_loss"] == -1.0  # same code: the entry is read
    real = cache.code_version
    monkeypatch.setattr(cache, "code_version", lambda module: "changed" + real(module))
    fresh = ex.pretraining_run("nano", steps=5, seed=0)
    assert fresh["val_loss"] == first["val_loss"] != -1.0  # changed code: the old entry is not read
    assert len(list(folder.iterdir())) == 2
