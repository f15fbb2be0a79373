"""`braid sample` and `braid prior sample`: designs drawn from a saved model into a CSV file,
recorded as a sample run (braid_core/pipeline/sampling.py) behind a progress bar (its time
left says how long a large --num takes), refused up front when they could not be held in this
machine's memory (braid_core/memory.py)."""

from __future__ import annotations

from pathlib import Path

from braid_core.cli.local_runs import copy_out, run_here
from braid_core.cli.options import bundle_in, config_error, csv_out, fail


def sample_designs(folder: Path, num: int, out: Path, seed: int, device: str,
                   threads: int | None, option: str, name: str | None = None) -> None:
    """Draw `num` designs from the prior or fine-tuned model in `folder` (given as `option`)
    into the CSV file `out`, as a sample run named `name`."""
    from braid_core import memory, pipeline
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import set_cpu_threads

    set_cpu_threads(threads)
    csv_out(out)
    made_by = "braid prior train" if option == "--prior" else "braid finetune (OUT/model)"
    bundle_in(folder, option, PRIOR_FORMAT, made_by)  # a fine-tuned model is saved as a prior
    try:
        config = pipeline.sample_config(folder, num=num, seed=seed, device=device,
                                        given_as="prior" if option == "--prior" else "model")
        # loaded here too, on the CPU: a model that cannot be read is refused before a run
        space = Prior.load(folder, map_location="cpu").space
    except (FileNotFoundError, KeyError) as err:  # weights missing, config.json cut short
        what = f"config.json lacks {err}" if isinstance(err, KeyError) else str(err)
        raise fail(f"{option} {folder}: the saved model is incomplete ({what}); give the "
                   f"folder {made_by} wrote") from None
    except ValueError as err:
        raise config_error(err) from None
    try:
        memory.check_fits(f"--num {num:,}", memory.held_bytes(num, space),
                          memory.available_memory())
    except ValueError as err:
        raise fail(str(err)) from None
    run = run_here("sample", config, total_seconds=None, desc="drawing designs", name=name)
    copy_out(run / "designs.csv", out)
