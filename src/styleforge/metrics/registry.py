from ..registry import Registry

METRICS = Registry("metric")
