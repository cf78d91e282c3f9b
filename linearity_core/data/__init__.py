"""Datasets: the registry, Fashion-MNIST's IDX files, and users' own ``.npz`` arrays."""
