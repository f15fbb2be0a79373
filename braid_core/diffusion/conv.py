"""Sequence denoiser: a residual dilated 1-D convolution network over tokens.

It reads token ids in [0, vocab] (id `vocab` is the absorbing mask token) and returns one
logit vector over the real letters per position. It has no time input: in masked (absorbing)
diffusion the fraction of masked positions already tells the network how noisy its input is
(MDLM, Sahoo et al. 2024, §3.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import Tensor, nn


@dataclass(frozen=True)
class ConvConfig:
    """Shape of the convolutional denoiser."""

    width: int = 128  # channels of every residual block
    depth: int = 6  # number of residual blocks
    kernel_size: int = 5  # taps of each block's dilated convolution (odd)
    max_dilation: int = 4  # dilations cycle 1, 2, 4, ... up to this, for a wide receptive field

    def __post_init__(self) -> None:
        if self.width < 4:
            raise ValueError(f"width must be at least 4, got {self.width}")
        if self.depth < 1:
            raise ValueError(f"depth must be at least 1, got {self.depth}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {self.kernel_size}")
        if self.max_dilation < 1:
            raise ValueError(f"max_dilation must be at least 1, got {self.max_dilation}")

    def dilations(self) -> list[int]:
        """Dilation of each block: 1, 2, 4, ..., max_dilation, 1, 2, ..."""
        cycle = [1]
        while cycle[-1] * 2 <= self.max_dilation:
            cycle.append(cycle[-1] * 2)
        return [cycle[i % len(cycle)] for i in range(self.depth)]


class _ChannelNorm(nn.Module):
    """LayerNorm over channels at each position of a (batch, channels, length) tensor."""

    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)

    def forward(self, h: Tensor) -> Tensor:
        return self.norm(h.transpose(1, 2)).transpose(1, 2)


class _ResidualBlock(nn.Module):
    """Pre-norm block: h + W2 gelu(dilated_conv(norm(h)))."""

    def __init__(self, width: int, kernel_size: int, dilation: int) -> None:
        super().__init__()
        self.norm = _ChannelNorm(width)
        padding = dilation * (kernel_size - 1) // 2  # keeps the length; zeros mark the ends
        self.conv = nn.Conv1d(width, width, kernel_size, padding=padding, dilation=dilation)
        self.mix = nn.Conv1d(width, width, 1)
        nn.init.zeros_(self.mix.weight)  # each block starts as the identity
        nn.init.zeros_(self.mix.bias)

    def forward(self, h: Tensor) -> Tensor:
        return h + self.mix(nn.functional.gelu(self.conv(self.norm(h))))


class ConvDenoiser(nn.Module):
    """Predicts clean-token logits from partly masked tokens.

    Args:
        vocab_size: V, number of real letters; token id V is the mask.
        config: network shape.
    """

    def __init__(self, vocab_size: int, config: ConvConfig | None = None) -> None:
        super().__init__()
        config = config or ConvConfig()
        self.vocab_size = vocab_size
        self.config = config
        self.embed = nn.Embedding(vocab_size + 1, config.width)
        self.blocks = nn.ModuleList(
            _ResidualBlock(config.width, config.kernel_size, d) for d in config.dilations()
        )
        self.norm = _ChannelNorm(config.width)
        self.out = nn.Conv1d(config.width, vocab_size, 1)

    def forward(self, x_t: Tensor) -> Tensor:
        """Logits of the clean tokens.

        Args:
            x_t: (batch, length) int64 in [0, V], V = mask.
        Returns:
            (batch, length, V) float logits.
        """
        h = self.embed(x_t).transpose(1, 2)  # (batch, width, length)
        for block in self.blocks:
            h = block(h)
        return self.out(self.norm(h)).transpose(1, 2)
