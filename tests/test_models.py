import pytest
import torch

from jielong.models import PRESETS, build_model, count_parameters, load_model


def test_presets_grow_in_size():
    sizes = [count_parameters(build_model(name, 500)) for name in PRESETS]
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)


def test_build_is_seeded():
    a, b = build_model("nano", 100, seed=1), build_model("nano", 100, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))


def test_load_model_from_a_saved_folder(tmp_path):
    """The code path that loads a real hub model, tested on a model saved to a temporary folder."""
    model = build_model("nano", 100, seed=2)
    model.save_pretrained(tmp_path)
    assert (tmp_path / "model.safetensors").exists()
    loaded = load_model(tmp_path)
    x = torch.tensor([[1, 5, 7]])
    with torch.no_grad():
        assert torch.allclose(model(x).logits, loaded(x).logits)


@pytest.mark.parametrize("call, message", [
    (lambda: build_model("huge", 100), "preset must be one of 'nano'"),
    (lambda: build_model("nano", 0), "vocab_size must be an integer from 16"),
    (lambda: build_model("nano", 100, seed=-3), "seed must be an integer from 0"),
    (lambda: load_model("/no/such/folder"), "name_or_path must be an existing local model folder"),
])
def test_bad_knobs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_lora_freezes_the_base_and_trains_a_few_percent():
    from jielong.models import add_lora, weight_distance

    base = build_model("small", 500, seed=0)
    model = add_lora(build_model("small", 500, seed=0), rank=8, targets=("q_proj", "v_proj"))
    share = count_parameters(model, trainable_only=True) / count_parameters(base)
    assert 0.005 < share < 0.1
    assert weight_distance(model, base) == 0.0  # LoRA's B starts at zero: the model starts exactly at the base
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_B" in name:
                p.add_(0.01)
    assert weight_distance(model, base) > 0


@pytest.mark.parametrize("knobs, message", [
    ({"rank": 0}, "rank must be an integer from 1 to 32"),
    ({"rank": 33}, "rank must be an integer from 1 to 32"),
    ({"targets": ("attention",)}, "targets must be chosen from 'q_proj'"),
    ({"targets": ()}, "targets must name at least one of"),
    ({"targets": "q_proj"}, "targets must be a tuple of layer names"),
])
def test_lora_bad_knobs(knobs, message):
    from jielong.models import add_lora

    with pytest.raises(ValueError, match=message):
        add_lora(build_model("nano", 100), **knobs)


def test_lora_default_rank_on_every_layer_is_in_the_adapter_band():
    """Rank 8 on all seven matrices of the base model's preset: the lecture's 1-10% of the weights."""
    from jielong.models import add_lora

    base = build_model("small", 2048, seed=0)
    share = count_parameters(add_lora(build_model("small", 2048, seed=0)), trainable_only=True) / count_parameters(base)
    assert 0.01 <= share <= 0.10
