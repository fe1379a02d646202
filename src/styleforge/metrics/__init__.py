"""Metrics: small, separately tested units, registered by name."""
from .classifier_score import ClassifierScore, classifier_score, train_classifier
from .registry import METRICS

__all__ = ["METRICS", "ClassifierScore", "classifier_score", "train_classifier"]
