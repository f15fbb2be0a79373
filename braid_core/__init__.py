"""BRAID Studio core: offline design optimisation with conservatively fine-tuned diffusion."""

from braid_core.spaces import SequenceSpace, Space, VectorSpace

__version__ = "0.1.0"

__all__ = ["SequenceSpace", "Space", "VectorSpace", "__version__"]
