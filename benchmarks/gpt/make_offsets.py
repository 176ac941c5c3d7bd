#!/usr/bin/env python3
"""Writes the training-window offsets both frameworks read in benchmarks/gpt/compare.sh: int32
little-endian, iters x batch, uniform in [0, train_tokens - context) as nanoGPT's get_batch draws them
(numpy's seeded generator, so a seed always gives the same file).

    make_offsets.py TRAIN_TOKENS CONTEXT ITERS BATCH SEED OUT
"""
import sys
import numpy as np

train_tokens, context, iters, batch, seed = (int(a) for a in sys.argv[1:6])
rng = np.random.default_rng(seed)
rng.integers(0, train_tokens - context, size=(iters, batch), dtype=np.int64).astype("<i4").tofile(sys.argv[6])
