"""The measured defaults of `braid design`, `braid finetune` and the dashboard's controls.

Kept free of heavy imports so the command line can show them in --help without loading torch.
How they were chosen: the notes of issue 3 and bench/results/design_bench_*.md.
"""

C = 1.0  # conservatism: weight on u(x)
# KL weight, std of y per nat. With the "tilted" estimator (BRAID-Bonus, ehrlich-20-32, 3-minute
# runs, issue 3 notes): its forward-KL form at 0.2 fell to 88-95 % valid (at 0.1: 81 %), 0.3
# kept 97-98 % but median 0.19-0.25; the reverse-KL form at 0.2 kept 97.7-98.4 % valid with
# medians 0.25 / 0.375. The tilt exp(r_c / (alpha s_y)) also raises letters the prior makes
# rare (on Ehrlich: infeasible ones) and neither reward model's u flags them (rank
# correlation of u with invalidity 0.02-0.07), so alpha is what holds validity.
ALPHA = 0.2
# Fine-tuning estimator for sequences (finetune.py): "tilted" optimises each reverse step's
# BRAID objective with the reward's gradient; "reinforce" (the earlier default) is unbiased
# but was noise-limited within minutes of CPU.
ESTIMATOR = "tilted"
LEARNING_RATES = {"tilted": 3e-3, "reinforce": 1e-4, "relaxed": 1e-4}  # Adam, per estimator
GRAD_STEPS = 4  # reverse steps per sampled chain with gradients ("reinforce" was measured at 8)
# `braid finetune` / dashboard steps; "tilted" on ehrlich-20-32 makes ~50 steps a minute on one
# CPU thread, and its reward curve had flattened by ~150 (3-minute runs).
STEPS = 300
BATCH = 32  # designs sampled per fine-tuning step
# BRAID-Bonus: on ehrlich-20-64, whose reward model fits poorly, Boot collapsed (median 0)
# where Bonus did not; on ehrlich-20-32 and tfbind8 they were level.
METHOD = "braid-bonus"
REWARD_KIND = "bonus"
# `braid design` fine-tunes until its time budget is spent; this only caps the steps.
DESIGN_MAX_STEPS = 100_000
