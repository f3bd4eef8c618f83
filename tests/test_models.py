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
