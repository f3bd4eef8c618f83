"""The stage-3 objectives written out in torch: the values trl's trainers compute, and clear errors on bad input."""
import math

import pytest
import torch
from trl.trainer.utils import nanstd

from jielong import objectives as ob


def test_reward_model_loss_is_bradley_terry():
    chosen, rejected = torch.tensor([2.0, 0.0]), torch.tensor([0.0, 0.0])
    expected = (math.log1p(math.exp(-2.0)) + math.log(2)) / 2
    assert ob.reward_model_loss(chosen, rejected).item() == pytest.approx(expected)
    assert ob.reward_model_loss(chosen, rejected) < ob.reward_model_loss(rejected, chosen)


def test_best_of_n_picks_each_rows_highest_score():
    assert ob.best_of_n(torch.tensor([[0.1, 0.9, 0.3], [2.0, -1.0, 1.0]])).tolist() == [1, 0]


def test_group_advantages_match_trl():
    rewards = torch.tensor([[1.0, 0.0, 0.0, 1.0], [0.5, 0.5, 0.5, 0.5], [3.0, 1.0, 2.0, 0.0]])
    trl_way = (rewards - rewards.mean(1, keepdim=True)) / (nanstd(rewards, dim=1, keepdim=True) + 1e-4)
    advantages = ob.group_advantages(rewards)
    assert torch.allclose(advantages, trl_way)
    assert advantages[1].abs().max() == 0  # all answers alike: nothing to prefer
    assert torch.allclose(advantages[0].std(), torch.tensor(1.0), atol=1e-3)


def test_dpo_loss_is_log2_at_the_reference_and_falls_as_the_margin_grows():
    same = torch.tensor([-3.0, -5.0])
    assert ob.dpo_loss(same, same, same, same).item() == pytest.approx(math.log(2))
    better = ob.dpo_loss(torch.tensor([-2.0, -4.0]), same - 1, same, same, beta=0.5)
    assert better.item() == pytest.approx(-torch.nn.functional.logsigmoid(torch.tensor(1.0)).item())


@pytest.mark.parametrize("call, message", [
    (lambda: ob.reward_model_loss(torch.tensor([1.0]), torch.tensor([1.0, 2.0])), "must have the same shape"),
    (lambda: ob.reward_model_loss([1.0], torch.tensor([1.0])), "chosen must be a floating-point torch tensor"),
    (lambda: ob.best_of_n(torch.tensor([1.0, 2.0])), "scores must be a non-empty tensor of 2 dimension"),
    (lambda: ob.group_advantages(torch.tensor([[1.0], [2.0]])), "at least 2 answers per group"),
    (lambda: ob.dpo_loss(*[torch.zeros(2)] * 4, beta=0), "beta must be"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_next_token_pairs_start_from_one_token_of_context():
    assert ob.next_token_pairs([5, 6, 7]) == [([5], 6), ([5, 6], 7)]
    with pytest.raises(ValueError, match="ids must be a list of at least 2 token ids"):
        ob.next_token_pairs([5])


def test_assistant_only_labels_keep_exactly_the_answer(small_tokenizer):
    """With the book's chat template's assistant mask (what trl's SFTTrainer reads), the labels are the answer."""
    from jielong.train import chat

    out = small_tokenizer.apply_chat_template(chat("Where was Ada born?", "Paris"), tokenize=True, return_dict=True,
                                              return_assistant_tokens_mask=True)
    labels = ob.assistant_only_labels(torch.tensor(out["input_ids"]), torch.tensor(out["assistant_masks"]))
    kept = [t for t in labels.tolist() if t != ob.IGNORE]
    assert kept and small_tokenizer.decode(kept).strip().startswith("Paris")
    assert "Ada" not in small_tokenizer.decode(kept)
    with pytest.raises(ValueError, match="must have the same shape"):
        ob.assistant_only_labels(torch.tensor([1, 2]), torch.tensor([1]))


def test_lora_forward_matches_peft():
    from peft import LoraConfig, inject_adapter_in_model

    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Linear(8, 6, bias=False))
    weight = layer[0].weight.detach().clone()
    model = inject_adapter_in_model(LoraConfig(r=2, lora_alpha=6, target_modules=["0"]), layer)
    lora = model[0]
    torch.nn.init.normal_(lora.lora_B["default"].weight)  # peft starts B at zero; any B must agree
    x = torch.randn(3, 8)
    expected = model(x)
    got = ob.lora_forward(x, weight, lora.lora_A["default"].weight, lora.lora_B["default"].weight, alpha=6)
    assert torch.allclose(got, expected, atol=1e-5)
    with pytest.raises(ValueError, match="lora_a must be"):
        ob.lora_forward(x, weight, torch.zeros(2, 5), torch.zeros(6, 2), alpha=1)
