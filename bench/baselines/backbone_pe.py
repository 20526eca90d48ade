#!/usr/bin/env python3
"""PyTorch baseline for the backbone benchmark: the PE vision tower (PE_ARCHITECTURE.md §2) written from the
architecture description for Debian's python3-torch 1.13 (which has no scaled_dot_product_attention), random
weights, one forward per batch under no_grad.

  backbone_pe.py --model T --batch 8 --dtype fp32 --threads 2 --repeats 3   -> one JSON line of timings
  backbone_pe.py --verify DIR   -> checks this implementation against the official fixtures (pe_parity)
"""
import argparse
import json
import math
import resource
import sys
import time

import torch
import torch.nn.functional as F

SPATIAL = {  # PE-Spatial-{T,S,B}16-512: patch 16, image 512, class token, no LayerScale / ln_post / pooling
    "T": dict(width=192, layers=12, heads=3),
    "S": dict(width=384, layers=12, heads=6),
    "B": dict(width=768, layers=12, heads=12),
}


class PeTower(torch.nn.Module):
    def __init__(self, patch, width, layers, heads, mlp_ratio=4.0, image_size=512, cls=True, ls=None,
                 ln_post=False, pool="none", pool_heads=8, output_dim=None):
        super().__init__()
        self.patch, self.width, self.heads, self.cls = patch, width, heads, cls
        self.grid = image_size // patch
        self.pool, self.pool_heads = pool, pool_heads
        hidden = int(width * mlp_ratio)
        self.conv1 = torch.nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = torch.nn.Parameter(torch.randn(width) * width ** -0.5) if cls else None
        self.positional_embedding = torch.nn.Parameter(torch.randn(int(cls) + self.grid ** 2, width) * width ** -0.5)
        self.ln_pre = torch.nn.LayerNorm(width, eps=1e-5)
        self.ln_post = torch.nn.LayerNorm(width, eps=1e-5) if ln_post else None
        self.blocks = torch.nn.ModuleList([Block(width, heads, hidden, ls) for _ in range(layers)])
        self.proj = torch.nn.Parameter(torch.randn(width, output_dim) * width ** -0.5) if output_dim else None
        if pool == "attn":
            self.probe = torch.nn.Parameter(torch.randn(1, 1, width))
            self.pool_attn = torch.nn.MultiheadAttention(width, pool_heads, batch_first=True)
            self.pool_ln = torch.nn.LayerNorm(width, eps=1e-5)
            self.pool_fc1 = torch.nn.Linear(width, 4 * width)
            self.pool_fc2 = torch.nn.Linear(4 * width, width)
        self._rope = {}

    def rope(self, gh, gw):
        """cos/sin [T, head_dim]: per-axis d = head_dim/2 rotary channels, [x | y] angles, pairs interleaved."""
        if (gh, gw) not in self._rope:
            d = self.width // self.heads // 2
            freqs = 1.0 / (10000 ** (torch.arange(0, d, 2)[: d // 2].float() / d))
            off = 1 if self.cls else 0
            ax = (torch.arange(gw, dtype=torch.float32) + off)[:, None] * freqs  # [w, d/2]
            ay = (torch.arange(gh, dtype=torch.float32) + off)[:, None] * freqs  # [h, d/2]
            ax = ax.repeat_interleave(2, dim=-1)[None, :, :].expand(gh, gw, d)
            ay = ay.repeat_interleave(2, dim=-1)[:, None, :].expand(gh, gw, d)
            angles = torch.cat([ax, ay], dim=-1).reshape(gh * gw, 2 * d)
            if self.cls:
                angles = torch.cat([torch.zeros(1, 2 * d), angles], dim=0)
            self._rope[(gh, gw)] = (angles.cos(), angles.sin())
        return self._rope[(gh, gw)]

    def posemb(self, gh, gw):
        pos = self.positional_embedding
        if gh == self.grid and gw == self.grid:
            return pos
        head, grid = pos[: int(self.cls)], pos[int(self.cls):]
        grid = grid.reshape(1, self.grid, self.grid, -1).permute(0, 3, 1, 2).float()
        grid = F.interpolate(grid, size=(gh, gw), mode="bilinear", align_corners=False)
        grid = grid.permute(0, 2, 3, 1).reshape(gh * gw, -1).to(pos.dtype)
        return torch.cat([head, grid], dim=0)

    def forward_features(self, x, layer=-1, norm=False):
        b, _, h, w = x.shape
        gh, gw = h // self.patch, w // self.patch
        x = self.conv1(x).permute(0, 2, 3, 1).reshape(b, gh * gw, self.width)
        if self.cls:
            x = torch.cat([self.class_embedding.view(1, 1, -1).expand(b, -1, -1), x], dim=1)
        x = self.ln_pre(x + self.posemb(gh, gw))
        cos, sin = self.rope(gh, gw)
        stop = layer % len(self.blocks)
        for i, block in enumerate(self.blocks):
            x = block(x, cos, sin)
            if i == stop:
                break
        if norm and self.ln_post is not None:
            x = self.ln_post(x)
        return x

    def forward(self, x):
        x = self.forward_features(x, norm=True)
        if self.pool == "attn":
            q = self.probe.expand(x.shape[0], -1, -1)
            x = self.pool_attn(q, x, x, need_weights=False)[0]
            x = (x + self.pool_fc2(F.gelu(self.pool_fc1(self.pool_ln(x))))).squeeze(1)
        return x @ self.proj if self.proj is not None else x


def rotate(t, cos, sin):
    """Interleaved pairs (2k, 2k+1): out = t*cos + rotate_half(t)*sin, in float32."""
    dtype = t.dtype
    t = t.float()
    pairs = t.unflatten(-1, (-1, 2))
    rotated = torch.stack([-pairs[..., 1], pairs[..., 0]], dim=-1).flatten(-2)
    return (t * cos + rotated * sin).to(dtype)


class Block(torch.nn.Module):
    def __init__(self, width, heads, hidden, ls):
        super().__init__()
        self.heads = heads
        self.ln_1 = torch.nn.LayerNorm(width, eps=1e-5)
        self.ln_2 = torch.nn.LayerNorm(width, eps=1e-5)
        self.in_proj = torch.nn.Linear(width, 3 * width)
        self.out_proj = torch.nn.Linear(width, width)
        self.fc1 = torch.nn.Linear(width, hidden)
        self.fc2 = torch.nn.Linear(hidden, width)
        self.ls_1 = torch.nn.Parameter(torch.full((width,), ls)) if ls is not None else None
        self.ls_2 = torch.nn.Parameter(torch.full((width,), ls)) if ls is not None else None

    def attention(self, x, cos, sin):
        b, t, c = x.shape
        qkv = self.in_proj(x).view(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)  # [3, B, H, T, D]
        q, k, v = rotate(qkv[0], cos, sin), rotate(qkv[1], cos, sin), qkv[2]
        scores = (q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5  # [B, H, T, T]
        out = scores.softmax(dim=-1) @ v  # [B, H, T, D]
        return self.out_proj(out.transpose(1, 2).reshape(b, t, c))

    def forward(self, x, cos, sin):
        a = self.attention(self.ln_1(x), cos, sin)
        x = x + (a * self.ls_1 if self.ls_1 is not None else a)
        m = self.fc2(F.gelu(self.fc1(self.ln_2(x))))
        return x + (m * self.ls_2 if self.ls_2 is not None else m)


def load_fixture_weights(model, weights):
    """Official state_dict names -> this module's names."""
    own = {
        "class_embedding": "class_embedding", "positional_embedding": "positional_embedding", "proj": "proj",
        "conv1.weight": "conv1.weight", "ln_pre.weight": "ln_pre.weight", "ln_pre.bias": "ln_pre.bias",
        "ln_post.weight": "ln_post.weight", "ln_post.bias": "ln_post.bias", "attn_pool.probe": "probe",
        "attn_pool.attn.in_proj_weight": "pool_attn.in_proj_weight", "attn_pool.attn.in_proj_bias": "pool_attn.in_proj_bias",
        "attn_pool.attn.out_proj.weight": "pool_attn.out_proj.weight", "attn_pool.attn.out_proj.bias": "pool_attn.out_proj.bias",
        "attn_pool.layernorm.weight": "pool_ln.weight", "attn_pool.layernorm.bias": "pool_ln.bias",
        "attn_pool.mlp.c_fc.weight": "pool_fc1.weight", "attn_pool.mlp.c_fc.bias": "pool_fc1.bias",
        "attn_pool.mlp.c_proj.weight": "pool_fc2.weight", "attn_pool.mlp.c_proj.bias": "pool_fc2.bias",
    }
    block = {"attn.in_proj_weight": "in_proj.weight", "attn.in_proj_bias": "in_proj.bias", "attn.out_proj.weight": "out_proj.weight",
             "attn.out_proj.bias": "out_proj.bias", "ls_1.gamma": "ls_1", "ls_2.gamma": "ls_2", "mlp.c_fc.weight": "fc1.weight",
             "mlp.c_fc.bias": "fc1.bias", "mlp.c_proj.weight": "fc2.weight", "mlp.c_proj.bias": "fc2.bias"}
    mapped = {}
    for key, value in weights.items():
        if key.startswith("transformer.resblocks."):
            index, rest = key[len("transformer.resblocks."):].split(".", 1)
            rest = block.get(rest, rest)
            mapped[f"blocks.{index}.{rest}"] = value
        else:
            mapped[own[key]] = value
    model.load_state_dict(mapped, strict=True)


def verify(folder):
    manifest = json.load(open(f"{folder}/manifest.json"))

    def read(file, entry):
        with open(f"{folder}/{file}", "rb") as f:
            f.seek(entry["offset_bytes"])
            data = bytearray(f.read(entry["nbytes"]))
        return torch.frombuffer(data, dtype=torch.float32).reshape(entry["shape"])

    inputs = {e["name"]: read("inputs.bin", e) for e in manifest["inputs"]["tensors"]}
    worst = 0.0
    for name, entry in manifest["models"].items():
        cfg = entry["config"]
        model = PeTower(cfg["patch_size"], cfg["width"], cfg["layers"], cfg["heads"], cfg["mlp_ratio"], cfg["image_size"],
                        cfg["use_cls_token"], cfg["ls_init_value"], cfg["use_ln_post"], cfg["pool_type"],
                        cfg.get("attn_pooler_heads", 8), cfg["output_dim"]).eval()
        load_fixture_weights(model, {e["name"]: read(entry["weights_file"], e) for e in entry["weights"]})
        acts = {e["name"]: read(entry["activations_file"], e) for e in entry["activations"]}
        with torch.no_grad():
            for input_name, x in inputs.items():
                diff = (model(x) - acts[f"{input_name}/final_output"]).abs().max().item()
                worst = max(worst, diff)
                print(f"{name} {input_name}: final_output max |diff| {diff:.2e}")
    return worst


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", choices=sorted(SPATIAL), default="T")
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--dtype", choices=["fp32", "bf16"], default="fp32")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--verify", metavar="DIR", help="check against the official fixtures (pe_parity) and exit")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    if a.verify:
        worst = verify(a.verify)
        print(f"worst final_output max |diff| {worst:.2e}")
        return 0 if worst < 1e-4 else 1
    torch.manual_seed(0)
    model = PeTower(16, **SPATIAL[a.model]).eval()
    dtype = torch.bfloat16 if a.dtype == "bf16" else torch.float32
    model = model.to(dtype)
    x = (torch.rand(a.batch, 3, a.size, a.size) * 2 - 1).to(dtype)
    best = math.inf
    with torch.no_grad():
        model.forward_features(x)  # warm-up
        for _ in range(a.repeats):
            start = time.perf_counter()
            model.forward_features(x)
            best = min(best, time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"implementation": f"pytorch {torch.__version__}", "model": a.model, "dtype": a.dtype, "batch": a.batch,
                      "seconds_per_batch": best, "images_per_second": a.batch / best, "peak_rss_mib": peak,
                      "threads": torch.get_num_threads()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
