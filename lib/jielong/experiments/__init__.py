"""Each experiment of the chapter map as one function from its knobs to a plain-data result, cached on disk.

One module per chapter group; the widgets, the static sweeps in the online book, the claims and the tests all call
these functions as `jl.experiments.<name>`.
"""
from ._common import EVAL_PEOPLE, SFT_BATCH, SMALL_WORLD, Event, cached, loss_events, result_path
from .adapters import IA3, IA3_TARGETS, add_ia3, ia3_run, shuffled_answers
from .ai_feedback import JUDGES, ai_preference_data, rlaif_run
from .background import INITS as PICTURE_INITS, LEARNING_RATES, learning_rate_run, learning_rate_sweep, shortcut_run
from .direct_live import LIVE_BATCH, LIVE_STEPS, dpo_live_run, held_out_share, sft_policy_share
from .fine_tuning import INITS, LORA_BATCH, SFT_PEOPLE, full_run, lora_run, sft_run
from .forgetting import FORGET_BATCH, REPLAY_KINDS, TASK_A, forgetting_run, task_a_model, task_a_split, task_b_split
from .imitation import STUDENT_KNOWS, TEACHER, TEACHER_STYLE, imitation_run, styled_answer, teacher_model
from .instruction_data import DATA_SIZES, SMALL_DATA, data_size_run, data_size_sweep, held_out_people
from .judging import judging_run
from .labellers import PAIRS_PER_QUESTION, PANELS, panel_run, question_agreement
from .policy_optimisation import (DIRECT, DIRECT_LABELS, METHODS, RL, RL_BETAS, RL_EVAL_SAMPLES, RL_TOKENS, direct_run,
                                  rl_run, verifiable_run)
from .preferences import (FEEDBACK_ATTRIBUTES, FEEDBACK_PEOPLE, FEW_PAIRS, HELD_OUT_PAIRS, PAIRS, POLICY,
                          feedback_questions, human_feedback, pair_key, policy_model, preference_data)
from .pretraining import (DATA_PEOPLE, TRAIN_PEOPLE, base_knowledge, cleaning_run, data_sweep, dirty_corpus,
                          held_out_texts, pretraining_run, scaling_sweep, split_people)
from .reward import (BEST_OF, REWARD_LR, REWARD_STEPS, best_of_n_masses, best_of_n_run, held_out_order, reward_model,
                     reward_model_run, train_reward_model)
from .reward_pairs import LARGE_HELD_OUT, large_held_out, reward_pairs_run
from .same_game import loss_tokens, same_game_run
