#!/usr/bin/python3
"""The PyTorch peer of `invariscope bench forward|train|stir --peer torch`.

Runs the benchmark's workload in (Debian's) PyTorch on the weights and inputs the bench wrote, so that both sides
compute the same thing: the same ViT (timm's module names and math), the same threads and dtype (float32), the same
AdamW and the same STIR inversion step. The bench starts this script once and talks to it over stdin/stdout, one JSON
object per line, so that its timings and ours can be interleaved in pairs:

  -> {"ready": ..., "params": N, "matmul_gflops": G, "blas": "...", "corename": "...", "threads": T}   (after the check)
  <- time          -> {"seconds": S}   (median of --iters timed repetitions of the workload)
  <- quit          (or end of input)   -> exits 0

Before "ready" it writes the parity outputs (on the shared weights) to --check-out, a safetensors file the bench
compares with its own to 1e-5. Installed by scripts/peer/install.sh (python3-torch, libopenblas0-pthread).
"""
import argparse
import ctypes
import json
import os
import struct
import sys
import time


def read_safetensors(path):
    import torch
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    header.pop("__metadata__", None)
    out = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        data = bytearray(blob[8 + n + begin:8 + n + end])
        t = torch.frombuffer(data, dtype=dtypes[entry["dtype"]]) if data else torch.empty(0, dtype=dtypes[entry["dtype"]])
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def write_safetensors(path, tensors):
    import torch
    names = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(chunks))


def build_model(cfg):
    import torch
    from torch import nn

    d, heads = cfg["embed_dim"], cfg["num_heads"]
    hidden = int(round(d * cfg.get("mlp_ratio", 4.0)))
    eps = cfg.get("layer_norm_eps", 1e-6)
    pool = cfg.get("global_pool", "token")
    class_token = cfg.get("class_token", True)
    fc_norm = cfg.get("fc_norm")
    fc_norm = (pool == "avg") if fc_norm is None else fc_norm

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(d, 3 * d, bias=cfg.get("qkv_bias", True))
            self.proj = nn.Linear(d, d)
            self.scale = (d // heads) ** -0.5

        def forward(self, x):  # timm's math path (torch 1.13 has no fused attention)
            b, t, _ = x.shape
            q, k, v = self.qkv(x).reshape(b, t, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(-1)
            return self.proj((attn @ v).transpose(1, 2).reshape(b, t, d))

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.act, self.fc2 = nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d)

        def forward(self, x):
            return self.fc2(self.act(self.fc1(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.attn = nn.LayerNorm(d, eps=eps), Attention()
            self.norm2, self.mlp = nn.LayerNorm(d, eps=eps), Mlp()

        def forward(self, x):
            x = x + self.attn(self.norm1(x))
            return x + self.mlp(self.norm2(x))

    class PatchEmbed(nn.Module):
        def __init__(self):
            super().__init__()
            p = cfg["patch_size"]
            self.proj = nn.Conv2d(cfg.get("in_chans", 3), d, p, stride=p)

        def forward(self, x):
            return self.proj(x).flatten(2).transpose(1, 2)

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            grid = cfg["img_size"] // cfg["patch_size"]
            self.prefix = 1 if class_token else 0
            if class_token:
                self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
            self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + self.prefix, d))
            self.patch_embed = PatchEmbed()
            self.blocks = nn.ModuleList([Block() for _ in range(cfg["depth"])])
            self.norm = nn.Identity() if fc_norm else nn.LayerNorm(d, eps=eps)
            self.fc_norm = nn.LayerNorm(d, eps=eps) if fc_norm else nn.Identity()
            self.head = nn.Linear(d, cfg["num_classes"]) if cfg.get("num_classes", 1000) > 0 else nn.Identity()

        def embed(self, images):
            x = self.patch_embed(images)
            if self.prefix:
                x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1)
            return x + self.pos_embed

        def pre_logits(self, tokens):  # final-normed tokens -> pooled, fc-normed (B,D)
            pooled = tokens[:, self.prefix:].mean(1) if pool == "avg" else tokens[:, 0]
            return self.fc_norm(pooled)

        def forward(self, images):
            x = self.embed(images)
            for block in self.blocks:
                x = block(x)
            return self.head(self.pre_logits(self.norm(x)))

    return VisionTransformer()


def layer_output(model, layer, depth, tokens, representation):
    """STIR's representation of a layer from the tokens after its last block (Analysis/Representations.FromTokens)."""
    if layer == "pre_logits":
        return model.pre_logits(model.norm(tokens))
    out = model.norm(tokens) if layer == "final_norm" else tokens
    if representation == "tokens":
        return out.flatten(1)
    if representation == "cls":
        return out[:, 0]
    return out[:, model.prefix:].mean(1)


def last_block(layer, depth):
    """The last block a layer's output needs: blockN -> N, final_norm and pre_logits -> the last block."""
    return int(layer[len("block"):]) if layer.startswith("block") else depth - 1


def stir_invert(model, depth, images01, noise, layers, spec):
    """STIR's inversion as Analysis/Stir.cs does it: layer-major rows, cut forward, normalised step, best iterate."""
    import torch
    mean = torch.tensor(spec["mean"]).view(1, -1, 1, 1)
    std = torch.tensor(spec["std"]).view(1, -1, 1, 1)
    rep = spec["representation"]
    n = images01.shape[0]
    with torch.no_grad():
        h = model.embed((images01 - mean) / std)
        targets, b = {}, 0
        for layer in sorted(layers, key=lambda l: last_block(l, depth)):
            while b <= last_block(layer, depth):
                h = model.blocks[b](h)
                b += 1
            targets[layer] = layer_output(model, layer, depth, h, rep)
    rows = [(layer, i) for layer in layers for i in range(n)]
    best_images, best_losses = {}, {}
    for start in range(0, len(rows), spec["max_rows"]):
        chunk = rows[start:start + spec["max_rows"]]
        groups = []  # (layer, first image, count), layer-major as the rows
        for layer, i in chunk:
            if groups and groups[-1][0] == layer:
                groups[-1][2] += 1
            else:
                groups.append([layer, i, 1])
        x = torch.cat([noise[g[1]:g[1] + g[2]] for g in groups]).clone()
        tgt = [targets[g[0]][g[1]:g[1] + g[2]] for g in groups]
        tnorm = [t.norm(dim=1) for t in tgt]

        def losses(xin):
            h = model.embed((xin - mean) / std)
            out, gi = [], 0
            for b in range(depth):
                if gi == len(groups):
                    break
                h = model.blocks[b](h)
                while gi < len(groups) and last_block(groups[gi][0], depth) == b:
                    count = groups[gi][2]
                    r = layer_output(model, groups[gi][0], depth, h[:count], rep)
                    out.append((r - tgt[gi]).norm(dim=1) / tnorm[gi])
                    gi += 1
                    h = h[count:]
            return torch.cat(out)

        best = x.clamp(0, 1)
        best_loss = torch.full((x.shape[0],), float("inf"))

        def keep(loss, seen):
            improved = loss < best_loss
            best.copy_(torch.where(improved.view(-1, 1, 1, 1), seen, best))
            best_loss.copy_(torch.where(improved, loss, best_loss))

        x.requires_grad_(True)
        for _ in range(spec["steps"]):
            seen = x.clamp(0, 1)
            loss = losses(seen)
            (grad,) = torch.autograd.grad([loss.mean()], [x])
            with torch.no_grad():
                keep(loss.detach(), seen.detach())
                gnorm = grad.flatten(1).norm(dim=1).view(-1, 1, 1, 1)
                x.sub_(grad.div(gnorm + 1e-10).mul_(spec["step_size"])).clamp_(0, 1)
        with torch.no_grad():
            keep(losses(x), x)
        row = 0
        for layer, first, count in groups:
            best_images.setdefault(layer, torch.zeros_like(images01))[first:first + count] = best[row:row + count].detach()
            best_losses.setdefault(layer, torch.zeros(n))[first:first + count] = best_loss[row:row + count]
            row += count
    return best_images, best_losses


def blas_corename():
    """OpenBLAS's kernel, from the OpenBLAS this process loaded (None where the BLAS is not OpenBLAS)."""
    with open("/proc/self/maps") as f:
        paths = sorted({line.split()[-1] for line in f if "openblas" in line and line.split()[-1].startswith("/")})
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
        except (OSError, AttributeError):
            continue
    return None, None


def matmul_gflops(torch, n=1024, iters=10):
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(iters):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="the bench's spec (JSON: workload, config, sizes)")
    ap.add_argument("--tensors", required=True, help="weights and inputs (safetensors)")
    ap.add_argument("--check-out", required=True, help="where to write the parity outputs (safetensors)")
    args = ap.parse_args()
    with open(args.spec) as f:
        spec = json.load(f)
    threads = int(spec["threads"])
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))  # before torch loads its OpenMP and OpenBLAS
    os.environ.setdefault("OPENBLAS_NUM_THREADS", str(threads))
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    cfg, workload, depth = spec["config"], spec["workload"], spec["config"]["depth"]
    tensors = read_safetensors(args.tensors)
    model = build_model(cfg)
    weights = {k[len("model."):]: v for k, v in tensors.items() if k.startswith("model.")}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if missing or unexpected:
        sys.exit(f"torch_peer: weights do not match the model: missing {missing}, unexpected {unexpected}")
    params = sum(p.numel() for p in model.parameters())
    check = {}
    iters = int(spec["iters"])

    if workload == "forward":
        x = tensors["input.x"]
        model.eval()
        with torch.no_grad():
            check["logits"] = model(x)

        def once():
            with torch.no_grad():
                model(x)
    elif workload == "train":
        x, y = tensors["input.x"], tensors["input.y"]
        opt = torch.optim.AdamW(model.parameters(), lr=spec["lr"], weight_decay=spec["weight_decay"], eps=1e-8)
        model.train()

        def once():
            loss = torch.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss

        check["loss"] = once().detach().reshape(1)
        with torch.no_grad():
            check["logits_after_step"] = model(x)
    elif workload == "stir":
        model.eval()
        for p in model.parameters():
            p.requires_grad_(False)
        images, noise, layers = tensors["input.images"], tensors["input.noise"], spec["layers"]
        check_spec = dict(spec["stir"], steps=spec["check_steps"])
        best_images, best_losses = stir_invert(model, depth, images, noise, layers, check_spec)
        for layer in layers:
            check[f"loss.{layer}"] = best_losses[layer]
            check[f"images.{layer}"] = best_images[layer]

        def once():
            stir_invert(model, depth, images, noise, layers, spec["stir"])
    else:
        sys.exit(f"torch_peer: unknown workload {workload!r}")
    write_safetensors(args.check_out, check)

    once()  # warm-up
    corename, config = blas_corename()
    print(json.dumps({"ready": True, "params": params, "torch": torch.__version__, "threads": torch.get_num_threads(),
                      "matmul_gflops": matmul_gflops(torch), "corename": corename, "blas": config}), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            break
        if command != "time":
            sys.exit(f"torch_peer: unknown command {command!r}")
        times = []
        for _ in range(iters):
            t = time.perf_counter()
            once()
            times.append(time.perf_counter() - t)
        times.sort()
        print(json.dumps({"seconds": times[len(times) // 2]}), flush=True)


if __name__ == "__main__":
    main()
