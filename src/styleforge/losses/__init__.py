"""Losses: small pure functions, each testable alone."""
from .adversarial import ADVERSARIAL_LOSSES, AdversarialLoss, get_adversarial_loss
from .patchnce import PatchSampleMLP, layered_patch_nce, patch_nce
from .reconstruction import l1, total_variation

__all__ = ["ADVERSARIAL_LOSSES", "AdversarialLoss", "PatchSampleMLP", "layered_patch_nce", "get_adversarial_loss", "l1", "patch_nce", "total_variation"]
