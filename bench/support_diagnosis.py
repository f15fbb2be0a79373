"""Where a fine-tuned model's infeasible designs come from, and what a support floor does.

Runs `braid design` on an Ehrlich instance into a kept folder (unless a run is already there),
then samples from its fine-tuned model again:
- validity and median true score of designs drawn with each support floor (letters the
  pre-trained step gives less than the floor are never drawn), for the fine-tuned model and
  for the pre-trained prior;
- for every banned transition in the unrestricted designs, the letter drawn second (the one
  whose neighbour was already there): its probability under the pre-trained step and under
  the fine-tuned step, as quantiles.

    python bench/support_diagnosis.py --instance 60:4:13 --folder DIR
    # the session-9 figures: the model of the session-7 defaults (no support floor), so the
    # design command runs from that commit while the replay uses this tree's sampler:
    git worktree add /tmp/s7 a7782f3
    python bench/support_diagnosis.py --instance 60:4:13 --folder DIR --design-pythonpath /tmp/s7
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import torch

from braid_core.diffusion import masked
from braid_core.diffusion.prior import Prior
from braid_core.runtime import make_generator, set_cpu_threads
from braid_core.tasks import task_from_spec

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def design_run(folder: Path, spec: str, args: argparse.Namespace) -> Path:
    """The `braid design` run folder under `folder`, made first if there is none."""
    runs = sorted((folder / "workspace" / "runs").glob("*-design-*"))
    if runs:
        return runs[-1]
    task = task_from_spec(spec)
    unlabeled, offline = task.export(folder / "data", seed=0)
    env = {**os.environ, "BRAID_HOME": str(folder / "workspace")}
    if args.design_pythonpath:
        env["PYTHONPATH"] = str(args.design_pythonpath)
    subprocess.run([sys.executable, "-m", "braid_core.cli", "design", "--unlabeled",
                    str(unlabeled), "--offline", str(offline), "--out",
                    str(folder / "designs.csv"), "--max-minutes", str(args.max_minutes),
                    "--threads", str(args.threads)], check=True, env=env)
    return sorted((folder / "workspace" / "runs").glob("*-design-*"))[-1]


def floor_table(tuned: Prior, prior: Prior, task, floors: list[float], num: int) -> str:
    lines = ["| model | floor | validity | true_score_median |", "|---|---|---|---|"]
    for name, model in (("fine-tuned", tuned), ("pre-trained", prior)):
        for floor in floors:
            held = model.with_network(model.net, reference=prior.net, support_floor=floor)
            designs = held.sample(num, generator=make_generator(5))
            valid = float(task.is_valid(designs).float().mean())
            median = float(task.score(designs).clamp_min(0).median())
            lines.append(f"| {name} | {floor:g} | {valid:.3f} | {median:.4f} |")
    return "\n".join(lines)


@torch.no_grad()
def second_letters(tuned: Prior, prior: Prior, task, num: int) -> dict[str, list[float]]:
    """Samples without a floor, every step recorded, and returns quantiles, over the letters
    that completed a banned transition, of their probability under both steps."""
    length, mask = prior.space.length, tuned.net.vocab_size
    trajectory = masked.sample(
        tuned.net, (num, length), min(length, prior.config.sampling_steps),
        generator=make_generator(6), temperature=prior.config.temperature,
        order=prior.config.order, position_noise=prior.config.position_noise,
        grad_last_k=length, reference=prior.net)
    x0 = trajectory.x0
    # Per position, from the step that drew it: both steps' probability of the drawn letter
    # and whether its left neighbour was already there.
    reference_p, tuned_p = torch.zeros(num, length), torch.zeros(num, length)
    left_known = torch.zeros(num, length, dtype=torch.bool)

    def drawn(logits: torch.Tensor) -> torch.Tensor:
        return logits.softmax(-1).gather(-1, x0[..., None])[..., 0]

    for state, step, chosen, reference_logits in zip(
            trajectory.states, trajectory.steps, trajectory.chosen,
            trajectory.reference_logits, strict=True):
        reference_p = torch.where(chosen, drawn(reference_logits), reference_p)
        tuned_p = torch.where(chosen, drawn(step.logits), tuned_p)
        left = torch.nn.functional.pad(state[:, :-1] != mask, (1, 0))
        left_known = torch.where(chosen, left, left_known)
    banned = task.banned[x0[:, :-1], x0[:, 1:]]  # (num, length - 1): pair i, i + 1
    rows, pairs = banned.nonzero(as_tuple=True)
    # The second letter of pair (i, i+1): i + 1 if i was there when it was drawn, else i.
    second = torch.where(left_known[rows, pairs + 1], pairs + 1, pairs)
    q = torch.tensor(QUANTILES)
    out = {"validity": [1.0 - float(banned.any(1).float().mean())], "banned_pairs": [len(rows)]}
    if len(rows):
        out["pretrained_p"] = reference_p[rows, second].quantile(q).tolist()
        out["finetuned_p"] = tuned_p[rows, second].quantile(q).tolist()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", default="60:4:13", help="length:motifs:seed")
    parser.add_argument("--folder", type=Path, required=True, help="kept run folder")
    parser.add_argument("--design-pythonpath", type=Path, default=None,
                        help="PYTHONPATH for the design command only (another commit's tree)")
    parser.add_argument("--floors", type=float, nargs="+",
                        default=[0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.1])
    parser.add_argument("--num", type=int, default=512)
    parser.add_argument("--max-minutes", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    set_cpu_threads(args.threads)
    run = design_run(args.folder, args.instance, args)
    task = task_from_spec(args.instance)
    prior, tuned = Prior.load(run / "prior"), Prior.load(run / "model")
    print(f"run {run}; the model's own support floor: {tuned.support_floor:g}\n")
    print(floor_table(tuned, prior, task, args.floors, args.num), "\n")
    for name, values in second_letters(tuned, prior, task, args.num).items():
        print(name, " ".join(f"{v:.3g}" for v in values))


if __name__ == "__main__":
    main()
