"""Device, generator and thread set-up, done once at an entry point and passed down."""

from __future__ import annotations

import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """Turn "auto", "cpu", "cuda" or "cuda:N" into a torch.device.

    "auto" means CUDA when a GPU is present, else CPU. Asking for CUDA on a machine without
    one is a user error, reported as such rather than failing deep inside a kernel.
    """
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was asked for, but no CUDA GPU is available here")
    return resolved


def check_device(device: str) -> str:
    """`device` once it names one ("auto", "cpu", "cuda" or "cuda:N"), else ValueError saying
    which: a config with a typo fails when it is made, not when its job starts."""
    try:
        kind = "auto" if device == "auto" else torch.device(device).type
    except (RuntimeError, TypeError):
        kind = None
    if kind not in ("auto", "cpu", "cuda"):
        raise ValueError(f"unknown device {device!r}: give auto, cpu or cuda (cuda:N for one "
                         "GPU of several)")
    return device


def make_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch.Generator on `device`, seeded with `seed` (the only source of randomness)."""
    generator = torch.Generator(device=torch.device(device))
    generator.manual_seed(int(seed))
    return generator


def set_cpu_threads(num_threads: int | None) -> None:
    """Set torch's intra-op thread count; call from entry points only (it is process-wide)."""
    if num_threads is not None and num_threads > 0:
        torch.set_num_threads(num_threads)
