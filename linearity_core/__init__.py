"""Measure how linear a neural network is, layer by layer and class by class."""
