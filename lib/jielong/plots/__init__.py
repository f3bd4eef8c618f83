"""The book's matplotlib figures, one function per kind of figure; each returns its Figure (or draws on given axes).

One module per stage; chapters call them as `jl.plots.<name>`.
"""
from ._common import COLORS, loss_curve
from .background import (draw_learning_rate_panel, draw_learning_rates, learning_rate_figure, pictures_figure,
                         shortcut_figure)
from .feedback import (best_of_n_figure, direct_figure, dpo_live_figure, draw_dpo_panel, draw_reward_model_panel,
                       draw_reward_models, draw_rl, draw_rl_panel, reward_model_figure, rl_figure, verifiable_figure)
from .fine_tuning import (LORA_BAND, data_size_figure, diversity_figure, draw_diversity, draw_forgetting, draw_forgetting_panel,
                          draw_ju_yi_fan_san, draw_lora, draw_lora_panel, forgetting_figure, imitation_figure,
                          lora_figure)
from .pretraining import (cleaning_figure, data_figure, draw_training, knowledge_figure, loss_mask, scaling_figure,
                          scrubber, sweep_animation, training_figure)
from .same_game import same_game_figure

__all__ = ["COLORS", "LORA_BAND", "best_of_n_figure", "cleaning_figure", "data_figure", "data_size_figure", "direct_figure",
           "diversity_figure", "dpo_live_figure", "draw_diversity", "draw_dpo_panel", "draw_forgetting",
           "draw_forgetting_panel", "draw_ju_yi_fan_san", "draw_learning_rate_panel", "draw_learning_rates",
           "draw_lora", "draw_lora_panel", "draw_reward_model_panel", "draw_reward_models", "draw_rl",
           "draw_rl_panel", "draw_training", "forgetting_figure", "imitation_figure", "knowledge_figure",
           "learning_rate_figure", "lora_figure", "loss_curve", "loss_mask", "pictures_figure",
           "reward_model_figure", "rl_figure", "same_game_figure", "scaling_figure", "scrubber", "shortcut_figure",
           "sweep_animation", "training_figure", "verifiable_figure"]
