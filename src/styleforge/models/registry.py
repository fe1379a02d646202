"""The network registries. Networks are plain nn.Modules registered by name."""
from ..registry import Registry

GENERATORS = Registry("generator")
DISCRIMINATORS = Registry("discriminator")
FEATURES = Registry("feature network")
