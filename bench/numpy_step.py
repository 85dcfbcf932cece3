#!/usr/bin/env python3
"""The baseline "what a researcher would write": the same NLA learning step as the default
Rust integrator (explicit sweep, advanced rate ρ(u+τu̇), weight transport, plasticity every
step), in plain numpy float32, one network, batch 1. Prints simulation steps/s as JSON.

    python3 bench/numpy_step.py --layers 784-500-10 --seconds 5
"""
import argparse
import gzip
import json
import os
import struct
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--layers", default="784-500-10")
ap.add_argument("--seconds", type=float, default=5.0)
args = ap.parse_args()
sizes = [int(n) for n in args.layers.split("-")]
tau, dt, beta, eta = 10.0, 1.0, 0.1, 0.05
rng = np.random.default_rng(1)
W = [(rng.standard_normal((n, m)) / np.sqrt(m)).astype(np.float32) for m, n in zip(sizes[:-1], sizes[1:])]
b = [np.zeros(n, np.float32) for n in sizes[1:]]
u = [np.zeros(n, np.float32) for n in sizes[1:]]
e = [np.zeros(n, np.float32) for n in sizes[1:]]

# Real MNIST test digits as input, as in `nla bench`.
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist")
with gzip.open(os.path.join(root, "test-images.idx.gz")) as f:
    raw = f.read()
with gzip.open(os.path.join(root, "test-labels.idx.gz")) as f:
    labels = np.frombuffer(f.read()[8:], np.uint8)
n_img = struct.unpack(">I", raw[4:8])[0]
images = np.frombuffer(raw[16:], np.uint8).reshape(n_img, 784).astype(np.float32) / 255.0


def step(x, y):
    L = len(W)
    r_in, mism, rp = [], [], []
    r = x
    for l in range(L):
        r_in.append(r)
        basal = W[l] @ r + b[l]
        udot = (basal - u[l] + e[l]) / tau
        u_adv = u[l] + tau * udot
        u[l] += dt * udot
        rp.append(((u_adv > 0) & (u_adv < 1)).astype(np.float32))
        mism.append(u_adv - basal)
        r = np.clip(u_adv, 0.0, 1.0)
    e[L - 1] = beta * (y - (mism[L - 1] + basal))
    for l in range(L - 2, -1, -1):
        e[l] = rp[l] * (W[l + 1].T @ mism[l + 1])
    for l in range(L):
        W[l] += (dt * eta) * np.outer(mism[l], r_in[l])
        b[l] += (dt * eta) * mism[l]


y = np.zeros(sizes[-1], np.float32)
steps = 0
t0 = time.perf_counter()
while time.perf_counter() - t0 < args.seconds:
    i = (steps // 10) % n_img
    y[:] = 0
    y[labels[i] % sizes[-1]] = 1
    for _ in range(10):
        step(images[i], y)
    steps += 10
sps = steps / (time.perf_counter() - t0)
print(json.dumps({"network": args.layers, "steps_per_s": sps, "numpy": np.__version__}))
