"""Derived views of runs: mistakes, training evolution, epsilon sweeps, one instance."""
