"""The Prior bundle: design space + config + denoiser (+ noise schedule for vectors).

A sequence space gets the masked discrete diffusion of `masked.py` with the conv denoiser of
`conv.py`; a vector space gets the Gaussian diffusion of `gaussian.py` with the MLP of
`mlp.py`, run on designs standardised column by column (standardise.py): the chain's states
are z = (x - shift) / scale, and samples come back as x = z * scale + shift, in the units of
the data the prior was trained on. On disk a prior is a folder with `model.safetensors`
(weights) and `config.json` (space, config, weight dtype and, for vectors, the shift and scale
as exact JSON numbers); loading reads tensors only and never unpickles. A vector prior saved
before the standardisation existed has none and loads with the identity.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import Tensor, nn

from braid_core.diffusion import masked
from braid_core.diffusion.conv import ConvConfig, ConvDenoiser
from braid_core.files import atomic_write, read_bundle_meta
from braid_core.spaces import SequenceSpace, Space, VectorSpace, space_from_dict, space_to_dict
from braid_core.standardise import ColumnScaling

FORMAT = "braid-prior"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
REFERENCE_FILE = "reference.safetensors"  # a fine-tuned model's pre-trained denoiser
CONFIG_FILE = "config.json"


@dataclass(frozen=True)
class PriorConfig:
    """Network, pre-training and default sampling settings of a prior (DESIGN.md §1, p_pre)."""

    width: int = 128  # channels (conv) or hidden units (MLP)
    depth: int = 6  # residual conv blocks (sequences) or hidden layers (vectors)
    kernel_size: int = 5  # conv taps per block (sequences only; odd)
    max_dilation: int = 4  # conv dilations cycle 1, 2, .., max_dilation (sequences only)
    batch_size: int = 128  # training sequences/vectors per optimizer step
    lr: float = 2e-3  # peak AdamW learning rate, after warm-up; cosine decay to 0
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    warmup_steps: int = 100  # linear learning-rate warm-up, optimizer steps
    ema_decay: float = 0.999  # exponential moving average of weights; the EMA is what ships
    max_minutes: float = 6.0  # wall-clock training budget; the cosine decay follows it
    max_steps: int = 200_000  # step budget; training stops at whichever comes first
    loss_weighting: str = "inverse_t"  # masked loss weight: "inverse_t" (MDLM ELBO) or "flat"
    sampling_steps: int = 64  # default reverse steps (sequences: capped at the length)
    temperature: float = 1.0  # default token temperature when sampling (sequences)
    order: str = "confidence"  # unmasking order: "confidence", "entropy" or "random"
    position_noise: float = 1.0  # Gumbel noise on the confidence ranking (0 = greedy)
    # After pre-training, the noise is raised until samples keep this fraction of the data's
    # diversity (calibrate.py; 0 keeps position_noise as given).
    diversity_floor: float = 0.8
    diffusion_steps: int = 100  # Gaussian noise-schedule steps (vectors only)
    log_every: int = 10  # report metrics every this many optimizer steps

    def __post_init__(self) -> None:
        for name in ("width", "depth", "batch_size", "max_steps", "sampling_steps", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd and positive, got {self.kernel_size}")
        if self.max_dilation < 1:
            raise ValueError(f"max_dilation must be at least 1, got {self.max_dilation}")
        if not 0 < self.lr < 1:
            raise ValueError(f"lr must lie in (0, 1), got {self.lr}")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if self.warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {self.warmup_steps}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay}")
        if not 0 < self.max_minutes < math.inf:  # NaN fails too
            raise ValueError(f"max_minutes must be a finite number > 0, got {self.max_minutes}")
        if self.loss_weighting not in ("inverse_t", "flat"):
            raise ValueError(f"loss_weighting must be 'inverse_t' or 'flat', got "
                             f"{self.loss_weighting!r}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be positive, got {self.temperature}")
        if self.position_noise < 0:
            raise ValueError(f"position_noise must be >= 0, got {self.position_noise}")
        if not 0 <= self.diversity_floor <= 1:
            raise ValueError(f"diversity_floor must lie in [0, 1], got {self.diversity_floor}")
        if self.order not in masked.ORDERS:
            raise ValueError(f"order must be one of {masked.ORDERS}, got {self.order!r}")
        if self.diffusion_steps < 2:
            raise ValueError(f"diffusion_steps must be at least 2, got {self.diffusion_steps}")


def build_network(space: Space, config: PriorConfig) -> nn.Module:
    """A fresh (untrained) denoiser for `space`."""
    if isinstance(space, SequenceSpace):
        shape = ConvConfig(config.width, config.depth, config.kernel_size, config.max_dilation)
        return ConvDenoiser(space.vocab_size, shape)
    from braid_core.diffusion.mlp import MLPDenoiser

    return MLPDenoiser(space.dim, config.width, config.depth)


def build_schedule(space: Space, config: PriorConfig):
    """The Gaussian noise schedule for a vector space; None for sequences."""
    if isinstance(space, SequenceSpace):
        return None
    from braid_core.diffusion.schedule import NoiseSchedule

    return NoiseSchedule.cosine(config.diffusion_steps)


@dataclass
class Prior:
    """A pre-trained diffusion prior p_pre over a design space."""

    space: Space
    config: PriorConfig
    net: nn.Module  # the (EMA) denoiser
    schedule: object | None = None  # NoiseSchedule for vector spaces, None for sequences
    # A fine-tuned sequence model keeps its pre-trained denoiser: letters it gives less than
    # `support_floor` probability are never drawn (masked.restrict_to_support).
    reference: nn.Module | None = None
    support_floor: float = 0.0
    # Vectors: the chain runs on (x - shift) / scale of the training designs (None: identity,
    # as for priors saved before it existed). A fine-tuned model keeps its prior's.
    scaling: ColumnScaling | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.support_floor < 1.0:
            raise ValueError(f"support_floor must be in [0, 1), got {self.support_floor}")
        if self.support_floor and self.reference is None:
            raise ValueError("support_floor needs the reference (pre-trained) denoiser")
        if self.scaling is not None and (
                isinstance(self.space, SequenceSpace)
                or any(t.shape != (self.space.dim,) for t in self.scaling)):
            raise ValueError(f"a scaling needs a vector space and one shift and scale per "
                             f"column; got {self.space.describe()}")

    def to_designs(self, states: Tensor) -> Tensor:
        """Chain states (vectors: standardised) -> designs in the data's units; differentiable.
        Sequences and unscaled priors pass through."""
        return states if self.scaling is None else self.scaling.to_units(states)

    def to_states(self, designs: Tensor) -> Tensor:
        """Designs in the data's units -> the chain's coordinates (the inverse of
        `to_designs`)."""
        return designs if self.scaling is None else self.scaling.to_standard(designs)

    def with_network(self, net: nn.Module, *, reference: nn.Module,
                     support_floor: float) -> Prior:
        """This prior with denoiser `net`, sampled inside `reference`'s support at
        `support_floor` (0: unrestricted, and no reference kept)."""
        return dataclasses.replace(self, net=net, support_floor=support_floor,
                                   reference=reference if support_floor else None)

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    def sample(
        self,
        num: int,
        *,
        generator: torch.Generator,
        num_steps: int | None = None,
        temperature: float | None = None,
        order: str | None = None,
        position_noise: float | None = None,
        batch_size: int = 512,
    ) -> Tensor:
        """Draw designs for use as data (no graph is kept; samplers offer gradients).

        Args:
            num: number of designs.
            generator: on the prior's device; the only randomness.
            num_steps, temperature, order: override the config's sampling defaults.
            batch_size: designs per sampler call (memory bound).
        Returns:
            (num, length) int64 tokens, or (num, dim) float vectors.
        """
        chunks = []
        with torch.no_grad():
            chunks = self._sample_chunks(num, generator, num_steps, temperature, order,
                                         position_noise, batch_size)
        return torch.cat(chunks)

    def _sample_chunks(self, num, generator, num_steps, temperature, order, position_noise,
                       batch_size):
        """Sampler calls of at most `batch_size` designs each."""
        chunks = []
        for start in range(0, num, batch_size):
            size = min(batch_size, num - start)
            if isinstance(self.space, SequenceSpace):
                chunks.append(masked.sample(
                    self.net, (size, self.space.length),
                    num_steps or self.config.sampling_steps, generator=generator,
                    temperature=temperature or self.config.temperature,
                    order=order or self.config.order,
                    position_noise=(self.config.position_noise if position_noise is None
                                    else position_noise),
                    reference=self.reference if self.support_floor else None,
                    support_floor=self.support_floor,
                ).x0)
            else:
                from braid_core.diffusion import gaussian

                chunks.append(self.to_designs(gaussian.sample(
                    self.net, self.schedule, (size, self.space.dim), generator=generator
                ).x0))
        return chunks

    def save(self, directory: Path | str, *, weights_dtype: torch.dtype = torch.float32) -> None:
        """Write model.safetensors and config.json into `directory`, each atomically."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        def tensors_of(net: nn.Module) -> dict[str, Tensor]:
            return {k: v.detach().to("cpu", weights_dtype).contiguous()
                    for k, v in net.state_dict().items()}

        meta = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "space": space_to_dict(self.space),
            "config": dataclasses.asdict(self.config),
            "weights_dtype": str(weights_dtype).removeprefix("torch."),
        }
        if self.scaling is not None:  # float64 as JSON numbers: exact, whatever weights_dtype
            meta["standardisation"] = {"shift": self.scaling.shift.tolist(),
                                       "scale": self.scaling.scale.tolist()}
        keeps_reference = self.reference is not None and self.support_floor > 0
        if keeps_reference:
            meta["support_floor"] = self.support_floor
            atomic_write(directory / REFERENCE_FILE,
                         lambda p: save_file(tensors_of(self.reference), str(p)))
        else:  # an earlier save into this folder may have left one
            (directory / REFERENCE_FILE).unlink(missing_ok=True)
        atomic_write(directory / WEIGHTS_FILE,
                     lambda p: save_file(tensors_of(self.net), str(p)))
        atomic_write(directory / CONFIG_FILE,
                      lambda p: p.write_text(json.dumps(meta, indent=2) + "\n"))

    @classmethod
    def load(cls, directory: Path | str, *, map_location: str | torch.device = "cpu") -> Prior:
        """Read a prior written by `save`; weights become float32 on `map_location`."""
        directory = Path(directory)
        meta = read_bundle_meta(directory / CONFIG_FILE, FORMAT, "prior")
        space = space_from_dict(meta["space"])
        config = PriorConfig(**meta["config"])
        device = torch.device(map_location)

        def read_network(file: str) -> nn.Module:
            net = build_network(space, config)
            state = load_file(str(directory / file), device=str(device))
            net.load_state_dict({k: v.float() for k, v in state.items()})
            return net.to(device).eval()

        floor = float(meta.get("support_floor", 0.0))
        reference = read_network(REFERENCE_FILE) if floor else None
        scaling = meta.get("standardisation")  # absent: saved before it existed, or sequences
        if scaling is not None:
            scaling = ColumnScaling(*(torch.tensor(scaling[k], dtype=torch.float64, device=device)
                                      for k in ("shift", "scale")))
        return cls(space, config, read_network(WEIGHTS_FILE), build_schedule(space, config),
                   reference, floor, scaling)


def saved_space(directory: Path | str) -> Space:
    """The design space of a prior written by `Prior.save`, without loading its weights."""
    return space_from_dict(read_bundle_meta(Path(directory) / CONFIG_FILE, FORMAT,
                                            "prior")["space"])  # fmt: skip


__all__ = ["Prior", "PriorConfig", "VectorSpace", "build_network", "build_schedule",
           "saved_space"]
