"""Reward models with uncertainty (DESIGN.md §1): BRAID-Boot, BRAID-Bonus, conservative reward."""

from braid_core.rewards.average import ShapeAverage
from braid_core.rewards.bonus import LastLayerBonus
from braid_core.rewards.conservative import Prediction, RewardModel, conservative_reward
from braid_core.rewards.ensemble import BootstrapEnsemble, bootstrap_indices
from braid_core.rewards.io import load_reward, save_reward
from braid_core.rewards.metrics import quality_metrics
from braid_core.rewards.networks import RewardNet, RewardNetConfig
from braid_core.rewards.train import (
    NETWORK_CHOICES,
    RewardTrainConfig,
    network_settings,
    train_reward,
)

__all__ = [
    "NETWORK_CHOICES",
    "BootstrapEnsemble",
    "LastLayerBonus",
    "Prediction",
    "RewardModel",
    "RewardNet",
    "RewardNetConfig",
    "RewardTrainConfig",
    "ShapeAverage",
    "bootstrap_indices",
    "conservative_reward",
    "load_reward",
    "network_settings",
    "quality_metrics",
    "save_reward",
    "train_reward",
]
