#!/usr/bin/env python3
"""Baseline for bench suite "tracking": one label-propagation step of the DINO DAVIS protocol, written directly in
PyTorch the way the reference computes it (dense affinities for every target/source pair, neighbourhood applied as a
multiplicative mask, top-k over all context frames jointly, column normalisation, label product).

Usage: tracking_step.py H W C CONTEXT K TOPK RADIUS REPEATS THREADS
Prints one JSON line: {"best_s": ..., "median_s": ..., "cpu_s": ..., "threads": ..., "torch": ...} (wall-clock best and
median, and the mean process CPU time per step, all threads).
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F


def main():
    h, w, c, context, k, topk, radius, repeats, threads = (int(a) for a in sys.argv[1:10])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    n = h * w
    # Un-normalised features as they come from a backbone: the first frame plus `context` queued frames, and the target.
    sources = [torch.randn(c, n) for _ in range(1 + context)]          # each (C, N)
    target = torch.randn(n, c)                                           # (N, C)
    soft = [torch.softmax(torch.randn(1, k, h, w), dim=1) for _ in range(1 + context)]

    rows = torch.arange(h).repeat_interleave(w)
    cols = torch.arange(w).repeat(h)
    window = ((rows[:, None] - rows[None, :]).abs() <= radius) & ((cols[:, None] - cols[None, :]).abs() <= radius)
    window = window.float().unsqueeze(0)                                 # (1, N query, N source)

    def step():
        nctx = len(sources)
        src = F.normalize(torch.stack(sources), dim=1, p=2)              # (ctx, C, N)
        tar = F.normalize(target, dim=1, p=2).unsqueeze(0).expand(nctx, n, c)
        aff = torch.exp(torch.bmm(tar, src) / 0.1)                       # (ctx, N query, N source)
        if radius > 0:
            aff = aff * window
        aff = aff.transpose(2, 1).reshape(-1, n)                         # (ctx*N source, N query)
        kth = torch.topk(aff, dim=0, k=topk).values.min(dim=0).values
        aff[aff < kth] = 0
        aff = aff / aff.sum(dim=0, keepdim=True)
        labels = torch.cat(soft).reshape(nctx, k, n).transpose(2, 1).reshape(-1, k).t()  # (K, ctx*N)
        return torch.mm(labels, aff).reshape(1, k, h, w)

    with torch.no_grad():
        step()
        times = []
        cpu_start = time.process_time()
        for _ in range(repeats):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        cpu = (time.process_time() - cpu_start) / repeats
    print(json.dumps({"best_s": min(times), "median_s": statistics.median(times), "cpu_s": cpu, "threads": threads,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
