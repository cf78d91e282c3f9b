"""The science: configs, samplers, the alibi-compatible measure, the Keras probe, the
streaming engine and its results. Uses nothing above it in the package."""
