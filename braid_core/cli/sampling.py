"""`braid sample` and `braid prior sample`: designs drawn from a saved model into a CSV file, in
chunks behind a progress bar (its time left says how long a large --num takes), refused up
front when they could not be held in this machine's memory (braid_core/memory.py)."""

from __future__ import annotations

from pathlib import Path

import typer

from braid_core.cli.local_runs import progress_bar
from braid_core.cli.options import bundle_in, config_error, csv_out, fail, say

# Designs per draw between two updates of the bar: a multiple of Prior.sample's own batch
# (512), so that the designs are those of one call with the same seed.
CHUNK = 1024


def sample_designs(folder: Path, num: int, out: Path, seed: int, device: str,
                   threads: int | None, option: str) -> None:
    """Draw `num` designs from the prior or fine-tuned model in `folder` (given as `option`)
    into the CSV file `out`."""
    import torch

    from braid_core import memory
    from braid_core.data import write_designs_csv
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import check_device, make_generator, resolve_device, set_cpu_threads
    from braid_core.spaces import SequenceSpace

    set_cpu_threads(threads)
    csv_out(out)
    made_by = "braid prior train" if option == "--prior" else "braid finetune (OUT/model)"
    bundle_in(folder, option, PRIOR_FORMAT, made_by)  # a fine-tuned model is saved as a prior
    try:
        torch_device = resolve_device(check_device(device))
        prior = Prior.load(folder, map_location=torch_device)
    except (FileNotFoundError, KeyError) as err:  # weights missing, config.json cut short
        what = f"config.json lacks {err}" if isinstance(err, KeyError) else str(err)
        raise fail(f"{option} {folder}: the saved model is incomplete ({what}); give the "
                   f"folder {made_by} wrote") from None
    except ValueError as err:
        raise config_error(err) from None
    try:
        memory.check_fits(f"--num {num:,}", memory.held_bytes(num, prior.space),
                          memory.available_memory())
    except ValueError as err:
        raise fail(str(err)) from None
    is_sequence = isinstance(prior.space, SequenceSpace)
    generator = make_generator(seed, torch_device)
    parts: list = []  # decoded strings, or float vectors on the CPU
    try:
        with torch.no_grad(), progress_bar(total=num, desc="sampling", unit="design") as bar:
            for start in range(0, num, CHUNK):
                chunk = prior.sample(min(CHUNK, num - start), generator=generator)
                parts.append(prior.space.decode(chunk) if is_sequence else chunk.cpu())
                bar.update(len(chunk))
    except KeyboardInterrupt:
        say(f"interrupted: nothing was written to {out}")
        raise typer.Exit(130) from None
    designs = [s for part in parts for s in part] if is_sequence else torch.cat(parts)
    write_designs_csv(out, designs)
    say(f"wrote {num} designs to {out}")
