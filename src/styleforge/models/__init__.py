"""Networks (nn.Modules only), their registries, and export/import of trained weights."""
from . import discriminators, generators  # noqa: F401  (fills the registries)
from .pretrained import load_pretrained, read_model_config, save_pretrained
from .registry import DISCRIMINATORS, GENERATORS

__all__ = ["DISCRIMINATORS", "GENERATORS", "load_pretrained", "read_model_config", "save_pretrained"]
