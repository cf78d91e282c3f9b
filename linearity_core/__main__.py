"""Command line: ``python -m linearity_core {datasets,models,train,run,report}``."""

import os
import sys

# TensorFlow's C++ start-up chatter (no GPU found, CPU features) is noise on a terminal.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from linearity_core.cli import main

sys.exit(main())
