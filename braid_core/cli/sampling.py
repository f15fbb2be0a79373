"""`braid sample` and `braid prior sample`: designs drawn from a saved model into a CSV file,
recorded as a sample run (braid_core/pipeline/sampling.py) behind a progress bar (its time
left says how long a large --num takes), refused up front when they could not be held in this
machine's memory."""

from __future__ import annotations

import os
from pathlib import Path

from braid_core.cli.local_runs import copy_out, run_here
from braid_core.cli.options import bundle_in, config_error, csv_out, fail


def sample_designs(folder: Path, num: int, out: Path, seed: int, device: str,
                   threads: int | None, option: str, name: str | None = None) -> None:
    """Draw `num` designs from the prior or fine-tuned model in `folder` (given as `option`)
    into the CSV file `out`, as a sample run named `name`."""
    from braid_core import pipeline
    from braid_core.diffusion.prior import FORMAT as PRIOR_FORMAT
    from braid_core.diffusion.prior import Prior
    from braid_core.runtime import set_cpu_threads
    from braid_core.spaces import SequenceSpace

    set_cpu_threads(threads)
    csv_out(out)
    made_by = "braid prior train" if option == "--prior" else "braid finetune (OUT/model)"
    bundle_in(folder, option, PRIOR_FORMAT, made_by)  # a fine-tuned model is saved as a prior
    try:
        config = pipeline.sample_config(folder, num=num, seed=seed, device=device)
        # loaded here too, on the CPU: a model that cannot be read is refused before a run
        space = Prior.load(folder, map_location="cpu").space
    except (FileNotFoundError, KeyError) as err:  # weights missing, config.json cut short
        what = f"config.json lacks {err}" if isinstance(err, KeyError) else str(err)
        raise fail(f"{option} {folder}: the saved model is incomplete ({what}); give the "
                   f"folder {made_by} wrote") from None
    except ValueError as err:
        raise config_error(err) from None
    is_sequence = isinstance(space, SequenceSpace)
    fits_in_memory(num, held_bytes(num, space.length if is_sequence else space.dim,
                                   is_sequence))
    run = run_here("sample", config, total_seconds=None, desc="sampling", name=name,
                   total_steps=num, unit="design")
    copy_out(run / "designs.csv", out)


def held_bytes(num: int, width: int, is_sequence: bool) -> int:
    """Memory `num` designs take until written, about: a sequence of `width` letters as a
    Python string (49 bytes + 1 a letter, and its place in a list) and twice in the CSV text
    (the string, then its bytes); a vector of `width` numbers as float32, float64 and two
    copies of ~20 characters a number."""
    per_design = 57 + 3 * (width + 1) if is_sequence else width * (4 + 8 + 2 * 20)
    return num * per_design


def fits_in_memory(num: int, needed: int) -> None:
    """Refuse, before any drawing, designs that need more memory than is available."""
    available = available_memory()
    if available is not None and needed > available:
        raise fail(f"--num {num:,}: the designs would need about {_size(needed)} of memory "
                   f"until written, and this machine has {_size(available)} available; ask for "
                   "fewer at a time (run again with another --seed for more)")


def available_memory() -> int | None:
    """Bytes of memory free for a new process (Linux's MemAvailable, else all of the
    machine's memory); None where neither can be read."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _size(num_bytes: float) -> str:
    return f"{num_bytes / 1e9:.3g} GB" if num_bytes >= 1e9 else f"{num_bytes / 1e6:.3g} MB"
