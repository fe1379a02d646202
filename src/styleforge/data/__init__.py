"""Data: named sources, image sets, preprocessing and augmentation."""
from .datasets import DataReport, ImageSet, load_folder, split_holdout
from .sampler import BatchSampler
from .sources import SOURCES, DataSource, data_root, open_source
from .transforms import Preprocess

__all__ = ["DataReport", "ImageSet", "load_folder", "split_holdout", "BatchSampler", "SOURCES", "DataSource",
           "data_root", "open_source", "Preprocess"]
