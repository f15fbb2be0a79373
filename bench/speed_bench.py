"""Speed of BRAID fine-tuning (issue 3): throughput, peak memory, efficiency.

* Throughput: designs/s of full `finetune` optimizer steps (braid_objective, backward, gradient
  clipping, Adam) at the default FinetuneConfig (training chains of defaults.CHAIN_STEPS
  reverse steps) on the ehrlich-20-32 shape (20 letters, L = 32), and at other batch
  sizes with --batches (a GPU is latency-bound at the default 32). Warm-up steps are
  excluded; the figure is batch_size over the median step time.
* Peak memory of one fine-tuning step against the number of reverse steps (10, 50, 100) on a
  20-letter, L = 100 space (so that 100 steps exist), with gradients through every step or
  truncated to the default `grad_steps`, each with and without checkpointing. CUDA: peak of
  torch.cuda.max_memory_allocated above what was allocated before the step. CPU: each
  configuration runs in a fresh process, and the figure is its peak resident set (ru_maxrss)
  minus its resident set just before the step (after imports, model building and a tiny
  warm-up step), with glibc told to map blocks >= 64 KiB separately and unmap them on free;
  it still counts library workspaces and small-block slack: an upper bound on tensor memory.
* Efficiency: FLOPs of one fine-tuning step, counted by torch.utils.flop_counter (forward,
  backward and the checkpoint recomputation; matrix products and convolutions only), over the
  median step time, divided by the FLOP/s of a dense float32 matrix product measured in the
  same run (before and after the throughput timing, median over both).

Networks are untrained, default-size (PriorConfig / RewardNetConfig defaults, K = 4 heads):
the work per step does not depend on the weights.

    python bench/speed_bench.py                       # device auto, 2 CPU threads
    python bench/speed_bench.py --device cuda --repeats 10 --batches 32 256 1024
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

from braid_core.diffusion.prior import Prior, PriorConfig, build_network
from braid_core.finetune import FinetuneConfig, finetune
from braid_core.rewards import BootstrapEnsemble, RewardNetConfig
from braid_core.runtime import make_generator, resolve_device, set_cpu_threads
from braid_core.spaces import NAMED_ALPHABETS, SequenceSpace

RESULTS = Path(__file__).resolve().parent / "results"
HEADLINE_LENGTH = 32  # the ehrlich-20-32 shape
SWEEP_LENGTH = 100  # long enough for 100 reverse steps (steps are capped at the length)
SWEEP_STEPS = (10, 50, 100)


def build(length: int, device: torch.device, seed: int) -> tuple[Prior, BootstrapEnsemble]:
    """An untrained default prior and reward ensemble over 20 letters x `length`."""
    torch.manual_seed(seed)  # entry-point script: fixes the untrained initial weights only
    space = SequenceSpace(NAMED_ALPHABETS["protein"][:20], length)
    config = PriorConfig()
    prior = Prior(space, config, build_network(space, config).to(device).eval(), None)
    reward = BootstrapEnsemble(space, RewardNetConfig()).to(device).requires_grad_(False)
    return prior, reward


def device_name(device: torch.device) -> str:
    """GPU name, or the CPU model from /proc/cpuinfo with the core count."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    model = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} logical cores)"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def step_times(prior: Prior, reward, cfg: FinetuneConfig, warmup: int, seed: int) -> list[float]:
    """Wall seconds of each `finetune` optimizer step after the first `warmup` steps."""
    device = prior.device
    stamps: list[float] = []

    def on_step(step: int, metrics) -> None:
        _sync(device)
        stamps.append(time.perf_counter())

    _sync(device)
    stamps.append(time.perf_counter())
    finetune(prior, reward, cfg, generator=make_generator(seed, device), on_step=on_step)
    return [b - a for a, b in zip(stamps, stamps[1:], strict=False)][warmup:]


def step_flops(prior: Prior, reward, cfg: FinetuneConfig, seed: int) -> int:
    """FLOPs of one fine-tuning step (forward + backward + recomputation)."""
    one_step = dataclasses.replace(cfg, steps=1)
    with FlopCounterMode(display=False) as counter:
        finetune(prior, reward, one_step, generator=make_generator(seed, prior.device))
    return counter.get_total_flops()


def matmul_flops(n: int, repeats: int, device: torch.device) -> list[float]:
    """FLOP/s of dense float32 n x n products (2 n^3 each), one warm-up excluded."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    rates = []
    for i in range(repeats + 1):
        _sync(device)
        start = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        if i:
            rates.append(2 * n**3 / (time.perf_counter() - start))
    return rates


def memory_configs(grad_steps: int) -> list[dict]:
    """The memory sweep: steps x (all / truncated gradients) x (checkpoint or not)."""
    return [{"sampling_steps": s, "grad_steps": k, "checkpoint": c, "truncated": k < s}
            for s in SWEEP_STEPS for k in (s, grad_steps) for c in (False, True)]


def _resident_bytes() -> int:
    """The current resident set size of this process (Linux /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def memory_step(spec: dict, device: torch.device) -> dict:
    """Run one fine-tuning step of `spec`; peak memory growth (MiB) and its wall time."""
    prior, reward = build(SWEEP_LENGTH, device, spec["seed"])
    cfg = FinetuneConfig(steps=1, batch_size=spec["batch"], sampling_steps=spec["sampling_steps"],
                         grad_steps=spec["grad_steps"], checkpoint=spec["checkpoint"])
    # A tiny step first, so one-off lazy set-up (kernels, autograd engine) is not counted.
    tiny = dataclasses.replace(cfg, batch_size=1, sampling_steps=2, grad_steps=1)
    finetune(prior, reward, tiny, generator=make_generator(spec["seed"], device))
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        base = torch.cuda.memory_allocated(device)
    else:
        base = _resident_bytes()
    start = time.perf_counter()
    finetune(prior, reward, cfg, generator=make_generator(spec["seed"], device))
    _sync(device)
    seconds = time.perf_counter() - start
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated(device)
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
    return {**spec, "peak_mib": (peak - base) / 2**20, "step_s": seconds}


def measure_memory(spec: dict, device: torch.device, threads: int) -> dict:
    """CUDA: in this process. CPU: in a fresh process, so earlier peaks do not hide this one."""
    if device.type == "cuda":
        return memory_step(spec, device)
    command = [sys.executable, __file__, "--worker", json.dumps(spec), "--threads", str(threads)]
    # glibc: every block >= 64 KiB is its own mapping, returned on free, and one arena, so the
    # resident set follows live tensors instead of heap fragmentation (slower; not timed).
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_ARENA_MAX": "1"}
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(result: dict) -> str:
    """The report: headline throughput and efficiency, then the memory table."""
    t = result["throughput"]
    lines = [
        f"Device: {result['device']} ({result['device_name']}); CPU threads: {result['threads']}"
        f"; torch {result['torch']}; load average before/after: {result['load_before']} / "
        f"{result['load_after']}",
        "",
        "| shape | steps | batch | grad_steps | checkpoint | median s/step | designs/s "
        "| GFLOP/step | GFLOP/s | matmul GFLOP/s | efficiency |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in t:
        lines.append(
            f"| L={row['length']} | {row['sampling_steps']} | {row['batch']} "
            f"| {row['grad_steps']} | {row['checkpoint']} | {row['median_s']:.2f} "
            f"| {row['designs_per_s']:.2f} | {row['gflop_per_step']:.1f} "
            f"| {row['gflop_per_s']:.2f} | {result['matmul_gflop_per_s']:.1f} "
            f"| {100 * row['efficiency']:.1f} % |")
    lines += [
        "",
        f"Step times (s): {', '.join(f'{s:.2f}' for row in t for s in row['step_s'])}; "
        f"matmul {result['matmul_n']}^2 float32, GFLOP/s samples: "
        f"{', '.join(f'{r / 1e9:.1f}' for r in result['matmul_rates'])}",
        "",
        f"Peak memory of one step, L={SWEEP_LENGTH}, batch {result['memory_batch']} "
        f"({result['memory_measure']}):",
        "",
        "| steps | gradients through | checkpoint | peak MiB | MiB/design |",
        "|---|---|---|---|---|",
    ]
    for row in result["memory"]:
        through = f"{row['grad_steps']} (truncated)" if row["truncated"] else "all"
        lines.append(
            f"| {row['sampling_steps']} | {through} | {row['checkpoint']} "
            f"| {row['peak_mib']:.1f} | {row['peak_mib'] / row['batch']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    parser.add_argument("--threads", type=int, default=2, help="CPU intra-op threads")
    parser.add_argument("--repeats", type=int, default=3, help="timed fine-tuning steps")
    parser.add_argument("--warmup", type=int, default=1, help="untimed first steps")
    parser.add_argument("--lengths", type=int, nargs="+", default=[HEADLINE_LENGTH],
                        help="sequence lengths timed for throughput (default config)")
    parser.add_argument("--batches", type=int, nargs="+", default=None,
                        help="batch sizes timed for throughput (default: the config's)")
    parser.add_argument("--memory-batch", type=int, default=None,
                        help="batch of the memory sweep (default: 32 on CUDA, 4 on CPU)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory sweep")
    parser.add_argument("--matmul-n", type=int, default=None,
                        help="matrix size (default: 2048 on CPU, 8192 on CUDA)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--note", default="", help="free text for the report")
    parser.add_argument("--tag", default="speed_bench", help="result file name stem")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    set_cpu_threads(args.threads)
    if args.worker is not None:  # one memory configuration, in a fresh process (CPU)
        print(json.dumps(memory_step(json.loads(args.worker), torch.device("cpu"))))
        return
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    load_before = [round(x, 2) for x in os.getloadavg()]
    matmul_n = args.matmul_n or (8192 if cuda else 2048)
    rates = matmul_flops(matmul_n, 5, device)
    default = FinetuneConfig()
    throughput = []
    for length in args.lengths:
        prior, reward = build(length, device, args.seed)  # finetune leaves it untouched
        for batch in args.batches or [default.batch_size]:
            cfg = dataclasses.replace(default, steps=args.warmup + args.repeats, probe_every=0,
                                      batch_size=batch)
            times = step_times(prior, reward, cfg, args.warmup, args.seed)
            flops = step_flops(prior, reward, cfg, args.seed)
            median = statistics.median(times)
            throughput.append({
                "length": length, "batch": cfg.batch_size, "grad_steps": cfg.grad_steps,
                "checkpoint": cfg.checkpoint,
                "sampling_steps": min(cfg.sampling_steps or prior.config.sampling_steps, length),
                "step_s": times, "median_s": median, "designs_per_s": cfg.batch_size / median,
                "gflop_per_step": flops / 1e9, "gflop_per_s": flops / median / 1e9})
            print(f"L={length}, batch {batch}: {batch / median:.2f} designs/s", flush=True)
    rates += matmul_flops(matmul_n, 5, device)
    matmul = statistics.median(rates)
    for row in throughput:
        row["efficiency"] = row["gflop_per_s"] * 1e9 / matmul
    memory_batch = args.memory_batch or (default.batch_size if cuda else 4)
    memory = []
    if not args.no_memory:
        for config in memory_configs(default.grad_steps):
            spec = {**config, "batch": memory_batch, "seed": args.seed}
            memory.append(measure_memory(spec, device, args.threads))
            print(f"memory {config}: {memory[-1]['peak_mib']:.1f} MiB", flush=True)
    command = "python " + " ".join(shlex.quote(a) for a in [sys.argv[0], *sys.argv[1:]])
    result = {
        "command": command, "device": str(device), "device_name": device_name(device),
        "threads": args.threads, "torch": torch.__version__, "note": args.note,
        "load_before": load_before, "load_after": [round(x, 2) for x in os.getloadavg()],
        "finetune_config": dataclasses.asdict(default), "prior_config": "PriorConfig()",
        "matmul_n": matmul_n, "matmul_rates": rates, "matmul_gflop_per_s": matmul / 1e9,
        "throughput": throughput, "memory_batch": memory_batch, "memory": memory,
        "memory_measure": ("torch.cuda.max_memory_allocated above the pre-step allocation"
                           if cuda else "peak RSS (ru_maxrss) of a fresh process minus its "
                           "RSS just before the step, after a tiny warm-up step; glibc mmap "
                           "threshold 64 KiB, one arena"),
    }
    table = markdown(result)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    header = (f"# Fine-tuning speed benchmark\n\nCommand: `{command}`\n\n"
              f"Untrained default-size networks (PriorConfig(), RewardNetConfig(), 4 heads); "
              f"throughput at the default FinetuneConfig (batch as listed) on the ehrlich-20-32 "
              f"shape and the lengths listed; memory on "
              f"20 letters x L={SWEEP_LENGTH} so that {SWEEP_STEPS} reverse steps all exist "
              f"(steps are capped at the length); truncation = the default grad_steps "
              f"({default.grad_steps}). Efficiency = counted FLOPs per step (incl. checkpoint "
              f"recomputation) / median step time / dense matmul FLOP/s.\n\n"
              + (f"Note: {args.note}\n\n" if args.note else ""))
    (RESULTS / f"{args.tag}.md").write_text(header + table)
    (RESULTS / f"{args.tag}.json").write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
