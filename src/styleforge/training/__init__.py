"""The trainer layer: owns devices, schedules, EMA, checkpoints and logging."""
from .trainer import Trainer, train

__all__ = ["Trainer", "train"]
