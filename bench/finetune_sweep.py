"""One fine-tuning configuration on a benchmark task with its shipped prior and reward model.

Prints a metric row every 10 steps (with the oracle's probe of the training batch) and a
RESULT line with the figures of 128 designs sampled after fine-tuning. Used to choose the
fine-tuning defaults (see the notes of issue 3); needs assets/priors/<task> (or --prior DIR),
a reward folder (default assets/rewards/<task>) and the task's offline CSV.

    python bench/finetune_sweep.py ehrlich-20-32 '{"alpha": 0.2, "lr": 1e-4, "steps": 100}'
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from braid_core.data import read_designs
from braid_core.diffusion.prior import Prior
from braid_core.evaluate import design_table, oracle_probe, summarize
from braid_core.finetune import FinetuneConfig, finetune
from braid_core.rewards import load_reward
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import get_task

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task")
    parser.add_argument("config", help="JSON FinetuneConfig overrides")
    parser.add_argument("--prior", type=Path, default=None)
    parser.add_argument("--reward", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    task = get_task(args.task)
    prior = Prior.load(args.prior or ASSETS / "priors" / args.task)
    reward = load_reward(args.reward or ASSETS / "rewards" / args.task)
    with tempfile.TemporaryDirectory() as folder:
        _, offline_csv = task.export(Path(folder), seed=0)
        offline = read_designs(offline_csv)
    overrides = json.loads(args.config)
    cfg = FinetuneConfig(**overrides)
    start = time.time()

    def on_step(step, metrics):
        if step % 10 == 0 or step == 1:
            print(json.dumps({"step": step, **{k: round(v, 4) for k, v in metrics.items()}}),
                  flush=True)

    tuned = finetune(prior, reward, cfg, generator=make_generator(args.seed), on_step=on_step,
                     probe=oracle_probe(task))
    designs = tuned.sample(128, generator=make_generator(args.seed + 1))
    table = design_table(designs, prior.space, reward=reward, c=cfg.c, offline_x=offline.x,
                         task=task)
    summary = summarize(table, designs, prior.space, offline_y=offline.y)
    minutes = round((time.time() - start) / 60, 2)
    print("RESULT", json.dumps({"config": overrides, "minutes": minutes,
                                **{k: round(v, 4) for k, v in summary.items()}}), flush=True)


if __name__ == "__main__":
    main()
