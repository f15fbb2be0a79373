"""Reward networks r_hat(x): a feature map phi(x) (the penultimate layer) and a linear head.

Sequences go through a small 1-D convolution over one-hot letters, then an MLP reads the
conv features both pooled over positions (mean and max: where a motif sits does not matter)
and flattened (position-specific effects, as in TFBind8); vectors go through an MLP, after
each column is standardised by buffers the fit sets from its data (standardise.py), so that
columns in units of 1e6 and of 0.1 train alike and gradients in x still flow. Both
split into `features(x)` -> phi, used by BRAID-Bonus (DESIGN.md §1), and `head(phi)` -> r_hat.
Sequence networks read either token ids or (relaxed) one-hot floats, so the fine-tuner's
gradient reaches the sampler through softmax(logits / tau) inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from braid_core.spaces import SequenceSpace, Space
from braid_core.standardise import ColumnScaling, column_scaling

POOLINGS = ("mean_max", "max")


@dataclass(frozen=True)
class RewardNetConfig:
    """Shape of one reward network (a head of BRAID-Boot, or BRAID-Bonus's single net)."""

    width: int = 64  # conv channels (sequences) and hidden units of the MLP
    conv_layers: int = 2  # 1-D conv layers before pooling (sequences only)
    kernel_size: int = 5  # taps of each conv layer (odd; sequences only)
    hidden_layers: int = 2  # hidden MLP layers before phi (vectors; sequences use 1 after pooling)
    feature_dim: int = 32  # F, width of the penultimate layer phi(x) (DESIGN.md §1: 16-64)
    # Fields below default to the first architecture, so configs saved before they existed
    # rebuild the same network (io.py fills missing fields with these defaults).
    dilation_growth: int = 1  # conv layer i has dilation growth**i (1: none; sequences only)
    pooling: str = "mean_max"  # position pooling of conv features: "mean_max" or "max"
    position_branch: bool = True  # also feed the flattened (position-specific) conv features
    dropout: float = 0.0  # dropout on the MLP's input and hidden units, in [0, 1)

    def __post_init__(self) -> None:
        for name in ("width", "conv_layers", "hidden_layers", "feature_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {self.kernel_size}")
        if self.dilation_growth < 1:
            raise ValueError(f"dilation_growth must be at least 1, got {self.dilation_growth}")
        if self.pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {self.pooling!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must lie in [0, 1), got {self.dropout}")

    def describe(self, space: Space) -> str:
        """The shape in words, e.g. for the dashboard: what the net reads and how."""
        if not isinstance(space, SequenceSpace):
            return (f"MLP, {self.hidden_layers} hidden layers of {self.width}, "
                    f"features {self.feature_dim}")
        dilations = ", ".join(str(self.dilation_growth**i) for i in range(self.conv_layers))
        pooled = "max" if self.pooling == "max" else "mean and max"
        branch = " plus the flattened features" if self.position_branch else ""
        return (f"{self.conv_layers} conv layers of kernel {self.kernel_size} (dilations "
                f"{dilations}), width {self.width}, {pooled} over positions{branch}, "
                f"features {self.feature_dim}")


class RewardNet(nn.Module):
    """r_hat(x) = head(phi(x)) for one design space.

    Args:
        space: a SequenceSpace (conv trunk) or VectorSpace (MLP trunk).
        config: network shape.
    """

    def __init__(self, space: Space, config: RewardNetConfig | None = None) -> None:
        super().__init__()
        config = config or RewardNetConfig()
        self.space = space
        self.config = config
        width = config.width
        if isinstance(space, SequenceSpace):
            # Dilations widen the receptive field (1 + (k-1) * sum of dilations) so one
            # feature can see spaced motif letters (Ehrlich motifs span up to ~16 positions).
            self.convs = nn.ModuleList(
                nn.Conv1d(space.vocab_size if i == 0 else width, width, config.kernel_size,
                          padding="same", dilation=config.dilation_growth**i)
                for i in range(config.conv_layers)
            )
            # Pooled features alone fit position-specific effects poorly: on a 5,000-sequence
            # synthetic task the flattened path raised held-out Pearson from 0.85 to 0.92.
            pooled = 2 if config.pooling == "mean_max" else 1
            trunk_in = pooled * width + (width * space.length if config.position_branch else 0)
            depth = 1
        else:
            self.convs = nn.ModuleList()
            trunk_in = space.dim
            depth = config.hidden_layers
            # The MLP reads (x - input_shift) / input_scale (set by `standardise_inputs`; the
            # identity in models saved before it existed, io.py).
            self.register_buffer("input_shift", torch.zeros(space.dim))
            self.register_buffer("input_scale", torch.ones(space.dim))
        layers: list[nn.Module] = []
        for i in range(depth):
            layers += [nn.Dropout(config.dropout)] if config.dropout > 0 else []
            layers += [nn.Linear(trunk_in if i == 0 else width, width), nn.SiLU()]
        layers += [nn.Linear(width, config.feature_dim), nn.SiLU()]
        self.trunk = nn.Sequential(*layers)
        self.head = nn.Linear(config.feature_dim, 1)

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator) -> None:
        """Draw fresh weights from `generator` (on the module's device).

        PyTorch's default layer init reads the global RNG; this one keeps the seed contract
        (same generator state -> same network) and makes ensemble heads differ.
        Weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default range.
        """
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Conv1d)):
                fan_in = module.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                module.weight.uniform_(-bound, bound, generator=generator)
                module.bias.uniform_(-bound, bound, generator=generator)

    @torch.no_grad()
    def standardise_inputs(self, x: Tensor) -> None:
        """Set the vector MLP's input standardisation to the columns of `x` (n, dim), the
        designs it is fitted on; a column they never vary is divided by its own magnitude.
        Sequences have none: one-hot inputs are already on one scale."""
        if isinstance(self.space, SequenceSpace):
            return
        scaling = column_scaling(x, constant_scale=1.0)
        self.input_shift.copy_(scaling.shift)
        self.input_scale.copy_(scaling.scale)

    def _as_input(self, x: Tensor) -> Tensor:
        """Tokens to one-hot floats; floats pass through. Checks the event shape."""
        space = self.space
        if isinstance(space, SequenceSpace):
            if not x.is_floating_point():
                assert x.shape[1:] == (space.length,), f"tokens {tuple(x.shape)} vs {space}"
                x = nn.functional.one_hot(x, space.vocab_size)
            x = x.to(self.head.weight.dtype)
            expected = (space.length, space.vocab_size)
            assert x.shape[1:] == expected, f"one-hot {tuple(x.shape)} vs (batch, *{expected})"
            return x
        x = x.to(self.head.weight.dtype)
        assert x.shape[1:] == (space.dim,), f"vectors {tuple(x.shape)} vs (batch, {space.dim})"
        return ColumnScaling(self.input_shift, self.input_scale).to_standard(x)

    def features(self, x: Tensor) -> Tensor:
        """The penultimate layer phi(x).

        Args:
            x: (batch, length) int64 tokens, (batch, length, vocab) hard or relaxed one-hot
                floats, or (batch, dim) vectors.
        Returns:
            (batch, feature_dim) float.
        """
        h = self._as_input(x)
        if isinstance(self.space, SequenceSpace):
            h = h.transpose(1, 2)  # (batch, vocab, length)
            for conv in self.convs:
                h = nn.functional.silu(conv(h))
            config = self.config
            parts = [h.mean(dim=2)] if config.pooling == "mean_max" else []
            parts.append(h.amax(dim=2))
            if config.position_branch:
                parts.append(h.flatten(1))
            h = torch.cat(parts, dim=1)  # (batch, width * (pooled + length?))
        return self.trunk(h)

    def forward(self, x: Tensor) -> Tensor:
        """r_hat(x) in the units the network was trained on (standardised y).

        Args:
            x: as for `features`.
        Returns:
            (batch,) float.
        """
        return self.head(self.features(x)).squeeze(-1)
