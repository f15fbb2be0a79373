"""The measured defaults of `braid design`, `braid finetune` and the dashboard's controls.

Kept free of heavy imports so the command line can show them in --help without loading torch.
How they were chosen: the notes of issue 3 and bench/results/design_bench_*.md.
"""

C = 1.0  # conservatism: weight on u(x)
# KL weight, std of y per nat. With BRAID-Bonus, 3-minute runs: 0.1 kept ehrlich-20-32 at
# 98 % valid (0.05: 97 %, drifting lower) and ehrlich-20-64 from collapsing (Bonus at 0.2 did
# once); on tfbind8 0.05 scored higher (median 0.79 vs 0.70).
ALPHA = 0.1
STEPS = 300  # `braid finetune` / dashboard: about where ehrlich-20-32 stops improving (lr 1e-4)
BATCH = 32  # designs sampled per fine-tuning step
# BRAID-Bonus: on ehrlich-20-64, whose reward model fits poorly, Boot collapsed (median 0)
# where Bonus did not; on ehrlich-20-32 and tfbind8 they were level.
METHOD = "braid-bonus"
REWARD_KIND = "bonus"
# `braid design` fine-tunes until its time budget is spent; this only caps the steps.
DESIGN_MAX_STEPS = 100_000
