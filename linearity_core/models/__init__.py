"""Models: architectures, training with per-epoch checkpoints, the model store, uploads."""
