"""BRAID-Boot: K reward networks, each fitted to its own bootstrap resample of D.

u(x) is the spread of the heads' predictions, which grows where the resamples disagree:
away from D, where no data pins the networks down (DESIGN.md §1).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from braid_core.rewards.conservative import Prediction
from braid_core.rewards.networks import RewardNet, RewardNetConfig
from braid_core.spaces import Space


def bootstrap_indices(n: int, num_heads: int, generator: torch.Generator) -> Tensor:
    """One with-replacement resample of range(n) per head.

    Args:
        n: size of the training split.
        num_heads: K.
        generator: the only randomness; the indices live on its device.
    Returns:
        (K, n) int64 in [0, n).
    """
    return torch.randint(n, (num_heads, n), generator=generator, device=generator.device)


class BootstrapEnsemble(nn.Module):
    """K RewardNets plus the y standardisation they were trained under.

    Args:
        space: the design space.
        net_config: shape of every head.
        num_heads: K >= 2 (a spread needs two heads).
    """

    kind = "boot"

    def __init__(self, space: Space, net_config: RewardNetConfig, num_heads: int = 4) -> None:
        super().__init__()
        if num_heads < 2:
            raise ValueError(f"num_heads must be at least 2 for a spread, got {num_heads}")
        self.space = space
        self.heads = nn.ModuleList(RewardNet(space, net_config) for _ in range(num_heads))
        # Heads are trained on standardised y; these map their outputs back to y units.
        self.register_buffer("y_mean", torch.zeros((), dtype=torch.float64))
        self.register_buffer("y_std", torch.ones((), dtype=torch.float64))
        self.metrics: dict[str, float] = {}
        self.train_config = None  # the RewardTrainConfig, set by train_reward / load_reward

    @property
    def device(self) -> torch.device:
        return self.y_mean.device

    def predict(self, x: Tensor) -> Prediction:
        """Mean and spread over the heads, in y units; differentiable in x.

        std is the Bessel-corrected standard deviation over the K heads (divisor K - 1): with
        K = 4 the plain divisor K would understate the spread of the bootstrap distribution
        by sqrt(3/4).

        Args:
            x: (n, length) tokens, (n, length, vocab) relaxed one-hot, or (n, dim) vectors.
        Returns:
            Prediction(mean (n,), std (n,), members (K, n)).
        """
        outputs = torch.stack([head(x) for head in self.heads])  # (K, n), standardised
        scale, shift = self.y_std.to(outputs.dtype), self.y_mean.to(outputs.dtype)
        members = outputs * scale + shift
        return Prediction(members.mean(dim=0), members.std(dim=0, correction=1), members)
