"""Training recipes: networks + losses + the order of the adversarial updates. No devices, no files."""
from . import adapter, cut, cyclegan, distill, filters, gan, multistyle, painterly  # noqa: F401  (registers the recipes)
from .base import RECIPES, Recipe, build_recipe

__all__ = ["RECIPES", "Recipe", "build_recipe"]
