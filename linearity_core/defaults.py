"""The notebook's choices, in one place: the CLI, the pages and the run config use them.

The alibi-compatible functions keep alibi's own defaults (10 samples), as its users expect.
"""

DATASET = "fashion_mnist"
MODEL = "seed_cnn"
EPOCHS = 5  # the notebook trains five epochs
MODEL_SEED = 0
BATCH_SIZE = 64
N_INSTANCES = 100  # random test instances of the per-layer study
N_SAMPLES = 20  # nb_samples in the notebook
EPSILON = 0.04
RES = 100
