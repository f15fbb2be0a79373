"""The measured defaults of `braid design`, `braid finetune` and the dashboard's controls.

Kept free of heavy imports so the command line can show them in --help without loading torch.
How they were chosen: the notes of issue 3 and bench/results/design_bench_*.md.
"""

# Conservatism: weight on u(x) (for BRAID-Bonus, u is the last layer's posterior standard
# deviation in y units, so c counts its standard errors). ehrlich-20-64, BRAID-Bonus against
# STRL-Bonus (c = 0) on the same reward model, 16 seeds, all in one session (3-minute runs):
# c = 0.25 / 0.5 / 1 changed the median true score by +0.002 / -0.013 / -0.028 (standard
# errors 0.007-0.009) and validity by +0.2 / +0.8 / +0.8 points. The validity c buys (the
# penalty keeps designs nearer D, all of whose designs are feasible) is there by 0.5, while
# the cost in median grows with c: 0.5 is the largest c within two standard errors of c = 0
# in median and at least as valid. c = 1, the earlier default, was chosen on one seed's
# validity (finetune_defaults.md, "Session 12"). bench/results/design_bench_e64.md,
# "Session 21".
C = 0.5
# KL weight, std of y per nat. With the "tilted" estimator (BRAID-Bonus, ehrlich-20-32, 3-minute
# runs, issue 3 notes): alpha 0.1 (Guidance's tilt) alone fell to 81-91 % valid, because the
# tilt exp(r_c / (alpha s_y)) also raises letters the prior makes rare (on Ehrlich: infeasible
# ones) and neither reward model's u flags them; 0.2 kept 97.4 % with median 0.292. With
# TILT_FLOOR below, 0.1 kept 96.9-98.4 % valid with median 0.375 on all three seeds.
ALPHA = 0.1
# The same for vectors, whose chain runs on columns standardised by D's (standardise.py), so
# alpha counts moves in column standard deviations. `braid design`, BRAID-Bonus, 3-minute runs,
# toy-2d / shell-bumps-4 / shell-bumps-6 (3, 3, 4 seeds), alpha 0.01 / 0.03 / 0.1 side by side:
# 0.03 raised the median over 0.1's on every seed of every task (+0.070, +0.246, +0.177) at
# 97.7-100 % valid on each seed (0.1: 97.7-100 %), with less diversity (0.39 against 0.53 on the
# ring); 0.01 raised it further but fell to 70-91 % valid on the ring and shell-bumps-4.
# 0.02 beat 0.03 on every seed at 3 minutes, but fell 0.265 below it on shell-bumps-4 at the
# default 10 (one seed). bench/results/vector_design.md, sections 4 and 5.
VECTOR_ALPHA = 0.03
# "tilted" estimator: letters the pre-trained step gives less than this probability get no tilt
# (the prior's support stands in for the validity u does not see). 0.05 did worse than 0.01 at
# alpha 0.1 (93.8-95.3 % valid). bench/results/finetune_defaults.md, "Session 7".
TILT_FLOOR = 0.01
# Sequences: the fine-tuned sampler (training chains and designs) never draws a letter the
# pre-trained step gives less than this. On an unseen Ehrlich instance (60:4:13) the letters
# that broke feasibility had pre-trained probability 0.027-0.055 (10-90 %, neighbour already
# drawn) and fine-tuned 0.17-0.92: the tilt had lifted them, so the 0.01 tilt floor missed them.
# Post hoc on that model: floor 0 / 0.02 / 0.03 / 0.05 / 0.1 gave 77 / 96 / 99 / 99 / 100 %
# valid, median 0.094 except 0 at 0.1 (which also cuts motif letters). ehrlich-20-32, 3 seeds:
# 0.03 kept 98.4-99.2 % valid with median 0.375 on each; 0.05 99.0 % but median 0.25-0.375.
# bench/results/finetune_defaults.md, "Session 9".
SUPPORT_FLOOR = 0.03
# "tilted" letter values (tilted.py): "auto" scores every single-letter change of each
# training design exactly where that is at most SUBSTITUTION_MAX_CHANGES reward evaluations
# per design, and linearises r_c by its gradient elsewhere. tfbind8 (32 changes), BRAID-Bonus,
# six seeds: median 0.838 against 0.822, max 0.9865 against 0.983, at the same steps per
# minute. Cost per step against the gradient: 1.06x at 64 changes, 1.34x at 128, 2.7x at 640
# (ehrlich-20-32, where 3 minutes then gave the same median from a third of the steps).
# bench/results/finetune_defaults.md, "Session 17"; tilt_value_cost.md.
TILT_VALUE = "auto"
SUBSTITUTION_MAX_CHANGES = 64
# "tilted": completions per state for the soft letter values (tilted.soft_letter_values);
# 0 values letters around each chain's own design instead. K = 8 at alpha 0.1, paired against
# 0: tfbind8 median +0.006 (SE 0.003, six seeds) but max 0.979 against 0.986; ehrlich-20-32
# level (0.562); ehrlich-20-64 -0.045 (SE 0.017, lower on four seeds of four), at 1.2-3.4x the
# step cost. bench/results/soft_values.md (session 30).
TILT_COMPLETIONS = 0
# The most completions per state (--tilt-completions): every gradient-carrying state of every
# chain in the batch scores K of them at once. 20 letters x 64, batch 32, one thread: K = 8 /
# 64 / 256 made a step 1.2x / 3.9x / 24x as long as without (21.8 s: the default 300 steps in
# about 2 hours), peak memory 0.8 GB at K = 64, 1.7 GB at 256; time and memory grow with
# K x batch, while the soft value's sampling error falls only as 1 / sqrt(K).
# bench/results/soft_values.md, "Session 36".
MAX_TILT_COMPLETIONS = 256
# Fine-tuning estimator for sequences (finetune.py): "tilted" optimises each reverse step's
# BRAID objective with the reward's gradient; "reinforce" (the earlier default) is unbiased
# but was noise-limited within minutes of CPU.
ESTIMATOR = "tilted"
LEARNING_RATES = {"tilted": 3e-3, "reinforce": 1e-4, "relaxed": 1e-4}  # Adam, per estimator
GRAD_STEPS = 4  # reverse steps per sampled chain with gradients ("reinforce" was measured at 8)
# Vectors backpropagate the reward through the Gaussian sampler. Through all 100 steps, the
# prior of a 10-minute `braid design` (pre-trained ~24,000 steps) made gradient norms of
# thousands within 30 steps and a path KL of 50-330 nats; one such run handed over designs
# 39 % valid on shell-bumps-4. Through the last 10 (each step's KL still reaching its own
# mean) fine-tuning stayed stable on both priors tried; at a constant rate the conservative
# reward then peaked and fell back, under a cosine decay over the run it held. 10-minute runs
# gained 0.26-0.28 in median (and lost the collapse); 3-minute runs, about 50 steps, lost
# 0.09-0.17 on the shells (the truncated gradient rises more slowly).
# bench/results/vector_design.md, section 6 (session 40).
VECTOR_CHAIN_GRAD = 10
LR_SCHEDULES = {"sequences": "constant", "vectors": "cosine"}  # FinetuneConfig lr_schedule None
# `braid finetune` / dashboard steps; "tilted" on ehrlich-20-32 makes ~50 steps a minute on one
# CPU thread, and its reward curve had flattened by ~150 (3-minute runs).
STEPS = 300
BATCH = 32  # designs sampled per fine-tuning step
# The most one fine-tuning run may ask for (`braid finetune`, FinetuneConfig, the Fine-tune
# page): at ~50 steps a minute 100,000 steps are over a day on a CPU (about 4 hours on an
# H200, bench/results/speed_bench_cuda.md), where the reward curve flattens within hundreds.
MAX_STEPS = 100_000
# A step holds every chain of its batch, and their gradients, at once: about 1.6 MiB a design
# at length 100 on a GPU (speed_bench_cuda.md), so 4,096 take ~6.5 GB, and a step of them
# about two minutes on a CPU (0.9 s for 32 at length 64, speed_bench.md).
MAX_BATCH = 4096
# Reverse steps of the fine-tuning chains (sequences; designs are still drawn with the prior's
# own steps, one position per step up to 64). The "tilted" loss is a per-state target, so
# coarser chains only change which partly masked states it is trained at, and each step costs
# about a quarter on ehrlich-20-64 (1.1 s against 3 s, one thread): 3-minute runs, seeds 0-2,
# went from 96.9 % valid / median 0.042 to 99.7 % / 0.052 (issue 3 notes, session 10).
CHAIN_STEPS = 16
# The most --chain-steps (FinetuneConfig.sampling_steps) may be: a chain takes at most one
# reverse step per position (masked.unmask_counts drops steps that unmask nothing), so more
# than the length change nothing, yet each fine-tuning step builds a schedule of N + 1 numbers
# first (10 million: a second and hundreds of MB, every step). 4,096 is the longest sequence
# `braid task export` makes: one position per step on every length the project is used on.
MAX_CHAIN_STEPS = 4096
# BRAID-Bonus: on ehrlich-20-64, whose reward model fits poorly, Boot collapsed (median 0)
# where Bonus did not; on ehrlich-20-32 and tfbind8 they were level.
METHOD = "braid-bonus"
REWARD_KIND = "bonus"
# Reward network shape for sequences (rewards/train.py NETWORK_CHOICES): "auto" fits the dilated
# and the wide net and keeps the one of lower validation error (bench/results/reward_bench.md,
# "Session 11"); "dilated" or "wide" fit one alone. "average" (both kept as a mixture) lifted
# the plateau instance 48:2:20 on two seeds of three but cost validity and median on 60:4:13
# and the other passing instances (bench/results/unseen_design.md, "Session 22").
REWARD_NETWORK = "auto"
# How much the reward fit weighs the top of D (RewardTrainConfig.value_tilt; 0: every design
# alike). A tilt of 2 passed the plateau instance 48:2:20 on three seeds of three (a forced
# shape or the average of both: one seed of three), but over the ten plateau instances it
# passed three, as the plain fit does, losing 50:3:4335, and none of four fresh instances
# like 48:2:20 (a pile over one lower value); on tfbind8 it lowered the median of
# the reward model's own top 128 (bench/results/reward_tilt.md, session 26). So it is a
# choice, not the default.
VALUE_TILT = 0.0
MAX_VALUE_TILT = 20.0  # the accepted range's top: exp(20) gives the top design all the weight
# How a value that is the mean of several measurements (the data's `measurements` column, or
# merged duplicates) weighs in the reward fit (RewardTrainConfig.count_weighting). On simulated
# replicates (1-8 measurements, noise 0-2 sd of f), "estimated" moved the held-out Spearman
# with the truth by -0.014 to +0.031 against "none" and "counts" by -0.040 to +0.077, mostly
# through which net shape validation kept (bench/results/count_weights.md, session 28).
COUNT_WEIGHTING = "none"
# Designs handed over: the best `num` distinct ones by r_c of POOL_FACTOR x `num` drawn (every
# generative method, braid design and the benchmark alike). ehrlich-20-64, BRAID-Bonus seed 0,
# 3 minutes of fine-tuning: 128 drawn 97.7 % valid / median 0.100; best 128 of 256, 512, 1024:
# 96.9 % / 0.141, 99.2 % / 0.188, 97.7 % / 0.188. tfbind8 seed 0: 0.807 -> 0.833 / 0.859 /
# 0.875 (distinct of 1024: 0.856). bench/results/finetune_defaults.md, "Session 13".
POOL_FACTOR = 4
# A fine-tuned model that draws fewer than `num` distinct designs in its pool (a small space,
# or a small alpha that concentrates it) goes on drawing, up to POOL_EXTEND x the pool, until
# it has them; what is still missing is filled by the best repeats, and the run says so.
POOL_EXTEND = 4
# Designs one command draws, at most (`--num`, `--num-designs`, `--pool`): 10 x the 100,000
# a large screen asks for. Drawing is minutes per 100,000 designs on a CPU, and the pool the
# best are chosen from is 4 x more.
MAX_DESIGNS = 1_000_000
# `braid design`: share of the time left after pre-training and reward fitting that drawing
# the pool may take (its chunks stop when it is spent; fine-tuning gets 0.95 - this).
SAMPLING_SHARE = 0.25
# `braid design` fine-tunes until its time budget is spent; this only caps the steps.
DESIGN_MAX_STEPS = MAX_STEPS
