"""Diffusion priors: masked discrete diffusion for sequences, Gaussian diffusion for vectors."""
