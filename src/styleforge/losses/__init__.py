"""Losses: small pure functions, each testable alone."""
from .adversarial import ADVERSARIAL_LOSSES, AdversarialLoss, get_adversarial_loss

__all__ = ["ADVERSARIAL_LOSSES", "AdversarialLoss", "get_adversarial_loss"]
