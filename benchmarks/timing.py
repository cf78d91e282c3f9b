"""Seconds of a compiled pass over a given number of inputs, for the benchmarks' floors."""

import time

import numpy as np


def pass_seconds(fn, item_shape, n_inputs: int, batch: int) -> float:
    """``fn`` over ``n_inputs`` random items in batches of ``batch`` (the last one smaller);
    both batch shapes are traced before the clock starts."""
    block = np.random.default_rng(0).random((batch, *item_shape), np.float32)
    fn(block)
    if n_inputs % batch:
        fn(block[: n_inputs % batch])
    start, done = time.perf_counter(), 0
    while done < n_inputs:
        size = min(batch, n_inputs - done)
        fn(block[:size])
        done += size
    return time.perf_counter() - start
