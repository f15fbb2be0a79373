"""Per-column standardisation of numeric design vectors: z = (x - shift) / scale.

Vector designs come in the user's units, and one column may be a pH near 7 while another is a
pressure near 1e6. The vector prior and the vector reward networks work on z, each column
shifted by its mean and divided by its standard deviation over the data they were fitted on,
so no column's units decide what the networks can learn; the user only ever sees x.

A column the data never varies has no standard deviation to divide by. Float32 designs hold
about 7 significant digits, so a column whose standard deviation is below `RESOLUTION` times
its mean's magnitude varies by rounding only and counts as constant; its scale is then
`constant_scale` times that magnitude (times 1 for a column of zeros). Callers choose it:
the prior wants a tiny one, so its samples keep the column at its value; a reward net wants
one of the column's own size, so a design that does vary the column is not read as millions
of standard deviations away.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

RESOLUTION = 1e-6  # relative spread below which a float32 column counts as constant


class ColumnScaling(NamedTuple):
    """z = (x - shift) / scale, column by column; each (dim,) float64."""

    shift: Tensor
    scale: Tensor

    def to_standard(self, x: Tensor) -> Tensor:
        """(n, dim) designs in the user's units -> standardised, in x's dtype and device."""
        return (x - self.shift.to(x)) / self.scale.to(x)

    def to_units(self, z: Tensor) -> Tensor:
        """(n, dim) standardised -> the user's units, in z's dtype and device."""
        return z * self.scale.to(z) + self.shift.to(z)


def column_scaling(x: Tensor, *, constant_scale: float) -> ColumnScaling:
    """Mean and floored standard deviation of each column of `x`.

    Args:
        x: (n, dim) float designs, n >= 1, finite.
        constant_scale: a constant column's scale, as a fraction of its mean's magnitude.
    Returns:
        ColumnScaling on x's device, float64.
    """
    if x.ndim != 2 or len(x) < 1:
        raise ValueError(f"expected designs of shape (n, dim) with n >= 1, got {tuple(x.shape)}")
    x = x.double()
    shift = x.mean(0)
    std = x.std(0) if len(x) > 1 else torch.zeros_like(shift)
    magnitude = shift.abs()
    constant = std <= RESOLUTION * magnitude
    magnitude = torch.where(magnitude > 0, magnitude, torch.ones_like(magnitude))
    scale = torch.where(constant, constant_scale * magnitude, std)
    return ColumnScaling(shift, scale)
