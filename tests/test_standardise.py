"""Per-column standardisation of vector designs: mean, std, and the floor of constant columns."""

from __future__ import annotations

import pytest
import torch

from braid_core.standardise import RESOLUTION, column_scaling


def test_columns_are_shifted_by_their_mean_and_divided_by_their_std() -> None:
    x = torch.tensor([[1e6, 6.5], [1.2e6, 7.0], [1.4e6, 7.5]])
    scaling = column_scaling(x, constant_scale=1.0)
    assert scaling.shift.tolist() == pytest.approx([1.2e6, 7.0])
    assert scaling.scale.tolist() == pytest.approx([2e5, 0.5])
    z = scaling.to_standard(x)
    assert z.dtype == torch.float32
    torch.testing.assert_close(z, torch.tensor([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]]))
    torch.testing.assert_close(scaling.to_units(z), x)


def test_a_constant_column_gets_a_scale_of_its_own_size_never_zero() -> None:
    # 25 exactly; 3e6 varying by less than float32 can hold; all zeros; a single design.
    x = torch.tensor([[25.0, 3e6, 0.0], [25.0, 3e6 + 0.25, 0.0]])
    scale = column_scaling(x, constant_scale=RESOLUTION).scale
    assert scale.tolist() == pytest.approx([25 * RESOLUTION, 3e6 * RESOLUTION, RESOLUTION])
    assert column_scaling(x, constant_scale=1.0).scale.tolist() == pytest.approx([25, 3e6, 1])
    one = column_scaling(x[:1], constant_scale=1.0)
    assert one.shift.tolist() == [25.0, 3e6, 0.0] and one.scale.tolist() == [25.0, 3e6, 1.0]
    with pytest.raises(ValueError, match="shape"):
        column_scaling(torch.zeros(0, 2), constant_scale=1.0)
