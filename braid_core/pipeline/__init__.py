"""The pipeline steps as functions of a JSON config, shared by the CLI, jobs and the dashboard.

Each step reads its inputs from files (data tables, prior and reward folders), writes its
outputs into one folder (a run folder of the workspace, or a folder the user names), and
reports through a `Reporter`. A config is a plain dict, stored with the run, so a run can be
repeated from its config alone. `start` launches a step as a background job
(`python -m braid_core.cli run-job <id>`); `execute` is what that job runs.

Modules: `configs` (the config builders and their checks), `data_checks` (how configs
record data files, and the checks of them: values too few or all alike, two design spaces,
`braid design`'s one sequence column), `steps` (prior, reward,
fine-tuning and baseline steps), `design` (`braid design`, all steps under one budget),
`sampling` (designs drawn from a saved model: its config and step), `reporter`
(`Reporter`), `launch` (`start`, `execute`) and `reach` (how far past the measured values the
designs are predicted: `reach_figures`, `reach_note`). What a time budget cut short is said
in words by `prior_time_note`, `reward_time_note` and `pool_time_note`, designs of the
offline data left out by `measured_note`, and designs predicted far past the measured best
by `reach_note`, a reward model that barely ranks its held-out designs by
`weak_ranking_note` (`ranking`), from the numbers a run records (its summary, its reward model's
config.json), so any reader can say it alike.
"""

from braid_core.pipeline.configs import (
    DEFAULT_ALPHA,
    DEFAULT_BATCH,
    DEFAULT_C,
    DEFAULT_COUNT_WEIGHTING,
    DEFAULT_METHOD,
    DEFAULT_REWARD_KIND,
    DEFAULT_REWARD_NETWORK,
    DEFAULT_STEPS,
    DEFAULT_VALUE_TILT,
    DEFAULT_VECTOR_ALPHA,
    DESIGN_MAX_STEPS,
    POOL_FACTOR,
    baseline_config,
    check_models,
    check_oracle,
    count_weighting_choice,
    defaults,
    design_config,
    finetune_config,
    finetune_sweep,
    offline_spec,
    prior_config,
    prior_space,
    reward_config,
    value_tilt_choice,
)
from braid_core.pipeline.design import PRIOR_SHARE, REWARD_SHARE, SAMPLING_SHARE, run_design
from braid_core.pipeline.launch import STEPS, execute, start
from braid_core.pipeline.ranking import WEAK_SPEARMAN, heldout_line, weak_ranking_note
from braid_core.pipeline.reach import reach_figures, reach_note
from braid_core.pipeline.reporter import Reporter, StepCallback
from braid_core.pipeline.sampling import run_sample, sample_config
from braid_core.pipeline.steps import (
    measured_note,
    pool_notes,
    pool_time_note,
    prior_time_note,
    read_data,
    reward_time_note,
    run_baseline,
    run_finetune,
    run_prior,
    run_reward,
    validity_note,
)

__all__ = [
    "DEFAULT_ALPHA", "DEFAULT_BATCH", "DEFAULT_C", "DEFAULT_COUNT_WEIGHTING", "DEFAULT_METHOD",
    "DEFAULT_REWARD_KIND", "DEFAULT_REWARD_NETWORK", "DEFAULT_STEPS", "DEFAULT_VALUE_TILT",
    "DEFAULT_VECTOR_ALPHA", "DESIGN_MAX_STEPS", "POOL_FACTOR", "PRIOR_SHARE", "REWARD_SHARE",
    "SAMPLING_SHARE",
    "STEPS", "WEAK_SPEARMAN", "Reporter", "StepCallback", "baseline_config", "check_models",
    "check_oracle", "count_weighting_choice", "defaults", "design_config", "execute",
    "finetune_config", "finetune_sweep", "heldout_line", "measured_note", "offline_spec",
    "pool_notes", "pool_time_note", "prior_config", "prior_space", "prior_time_note",
    "reach_figures", "reach_note", "read_data", "reward_config", "reward_time_note",
    "run_baseline", "run_design", "run_finetune", "run_prior", "run_reward", "run_sample",
    "sample_config", "start", "validity_note", "value_tilt_choice", "weak_ranking_note",
]
