"""How much a design's squared error counts when its value is the mean of several measurements.

A value averaged over n measurements carries noise of variance sigma^2 / n, and the fit also
misses every design by some misfit of variance tau^2 (what the net cannot express). Weighing
each squared error by 1 / (tau^2 + sigma^2 / n) is generalised least squares: weights are
equal where misfit dominates and grow like n where noise does, never past tau^2's bound. Neither
variance is known, so `estimate_noise` regresses a first fit's held-out squared errors on 1 / n:
the intercept estimates tau^2 and the slope sigma^2. The same split of the final model's
held-out errors tells users what more replicates would shrink (sigma^2 / n) and what they
would not (tau^2).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

# "none": every design alike; "counts": weight n, right only when the fit's misfit is nil;
# "estimated": 1 / (tau^2 + sigma^2 / n), both variances from a first fit's held-out errors.
COUNT_WEIGHTINGS = ("none", "counts", "estimated")
# tau^2 is kept above this share of the mean squared error, so that a held-out split where
# noise explains everything cannot hand one design an unbounded weight.
MISFIT_FLOOR = 0.01


@dataclass(frozen=True)
class NoiseEstimate:
    """Variance components of held-out errors, in the units the errors were measured in."""

    misfit: float  # tau^2: error variance of a design measured infinitely often
    noise: float  # sigma^2: variance of one measurement
    noise_se: float  # standard error of sigma^2: few held-out designs read it loosely

    def weights(self, counts: Tensor) -> Tensor:
        """(n,) float32 1 / (tau^2 + sigma^2 / count), not normalised."""
        return (1.0 / (self.misfit + self.noise / counts.double())).float()


def estimate_noise(squared_errors: Tensor, counts: Tensor) -> NoiseEstimate | None:
    """Least-squares fit of squared_errors = tau^2 + sigma^2 / count.

    Args:
        squared_errors: (n,) squared errors of a fit on designs it was not fitted to.
        counts: (n,) measurements behind each of those designs' values.
    Returns:
        The estimate, tau^2 floored at MISFIT_FLOOR of the mean squared error; None when the
        counts do not vary (nothing to regress on) or the slope is not positive (no noise that
        replicates reduce can be seen). Its standard error is heteroscedasticity-robust (HC1,
        White 1980): a squared error's spread grows with its expected size.
    """
    inverse = 1.0 / counts.double()
    errors = squared_errors.double()
    if len(errors) < 3 or float(inverse.max() - inverse.min()) <= 0:
        return None
    design = torch.stack([torch.ones_like(inverse), inverse], dim=1)
    intercept, slope = torch.linalg.lstsq(design, errors.unsqueeze(1)).solution.squeeze(1)
    if float(slope) <= 0:
        return None
    residuals = errors - design @ torch.stack([intercept, slope])
    bread = torch.linalg.inv(design.T @ design)
    meat = design.T @ (design * residuals.unsqueeze(1) ** 2)
    covariance = bread @ meat @ bread * len(errors) / (len(errors) - 2)
    floor = MISFIT_FLOOR * float(errors.mean())
    return NoiseEstimate(misfit=max(float(intercept), floor), noise=float(slope),
                         noise_se=float(covariance[1, 1].sqrt()))
