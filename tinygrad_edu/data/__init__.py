"""Data: ``TensorDataset``, ``DataLoader``, built-in data sets and an MNIST reader."""
from .dataset import Dataset, TensorDataset, standardize, train_test_split
from .loader import DataLoader
from .datasets import (FUNCTIONS, GATES, function_samples, load_digits, logic_gate,
                       logo_image, painting_data, piecewise, spirals)
from .mnist import load_mnist, load_mnist_sample, read_idx

__all__ = ["Dataset", "TensorDataset", "train_test_split", "standardize", "DataLoader", "FUNCTIONS",
           "GATES", "function_samples", "load_digits", "logic_gate", "logo_image",
           "painting_data", "piecewise", "spirals", "load_mnist", "load_mnist_sample",
           "read_idx"]
