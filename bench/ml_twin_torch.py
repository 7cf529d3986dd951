#!/usr/bin/python3
"""PyTorch twin of packages/ml's training (bench/ml-twin.ts drives it): the same models, data, order and recipe.

The driver exports Distillery's own seeded Fashion-MNIST rows (train rows in the run's order, test rows) and each
seed's per-epoch shuffle to a folder; this script checks their sha256 digests, then either

- `train JOBS.json`: trains a teacher once and the students of every job (one JSON line per run on stdout), or
- `check CHECK.json`: starts from the service's own initial weights, takes the service's first K steps on the
  same batches and compares losses and weights step for step (a semantic difference shows at once; float
  rounding stays ~1e-6).

What it matches in packages/ml (read from its code, not assumed):
- models as build-model.ts: conv 3x3 'same' / dense -> BatchNorm -> activation; 2x2 max-pool per conv block;
  flatten in NHWC order (so a dense kernel means the same thing on both sides); logits out;
- init: glorot-uniform kernels (fans as tfjs/torch compute them), zero biases, BN gamma 1 / beta 0 / mean 0 /
  var 1, LMA alpha 0 on the left k/2 segments and 1 on the rest, beta 0, running mean 0 / std 1;
- BatchNorm: eps 1e-5, moving average momentum 0.9 (tfjs convention, = torch 0.1) of the batch mean and the
  *population* variance (tfjs/Keras; torch's BatchNorm would average the unbiased one), exact gradient through
  the batch statistics; inference uses the moving averages;
- LMA: one detached mu/sigma over the whole tensor, sigma the population std floored at eps 1e-5 (the service's
  choice; the official code's unbiased std differs by < 0.05% at these sizes), k equal bins over mu +- 3 sigma,
  moving averages with momentum 0.99, frozen at inference;
- loss: (1 - a) CE + a T^2 KL(softmax(t/T) || softmax(s/T)), batch means;
- SGD momentum as torch (v <- m v + g + wd w; w <- w - lr v), Adam (0.9, 0.999, 1e-8, bias corrected); weight
  decay on kernels only (conv/dense weights: not biases, BN or activation parameters), as the service;
- learning-rate schedules per epoch as schedule.ts (constant, cosine, plateau on the training loss).

Run with Debian's torch: /usr/bin/python3 bench/ml_twin_torch.py train|check FILE.json [--threads 1]
"""

import hashlib
import json
import math
import os
import sys
import time

_threads = sys.argv[sys.argv.index("--threads") + 1] if "--threads" in sys.argv else "1"
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(int(_threads))

BN_EPS, BN_MOMENTUM = 1e-5, 0.9
LMA_EPS, LMA_MOMENTUM = 1e-5, 0.99


# ---------------------------------------------------------------------------------------------------- layers
class BatchNorm(nn.Module):
    """Channels on dim 1; running <- momentum running + (1 - momentum) batch with the population variance."""

    def __init__(self, channels, unbiased_running=False):
        super().__init__()
        self.unbiased_running = unbiased_running
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))
        self.register_buffer("moving_mean", torch.zeros(channels))
        self.register_buffer("moving_variance", torch.ones(channels))

    def forward(self, x):
        dims = [0] + list(range(2, x.dim()))
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            mean = x.mean(dim=dims)
            var = ((x - mean.view(shape)) ** 2).mean(dim=dims)
            with torch.no_grad():
                running = var.detach()
                if self.unbiased_running:  # torch.nn.BatchNorm's convention
                    m = x.numel() // x.shape[1]
                    running = running * m / max(1, m - 1)
                self.moving_mean.mul_(BN_MOMENTUM).add_(mean.detach() * (1 - BN_MOMENTUM))
                self.moving_variance.mul_(BN_MOMENTUM).add_(running * (1 - BN_MOMENTUM))
        else:
            mean, var = self.moving_mean, self.moving_variance
        scale = self.gamma / torch.sqrt(var + BN_EPS)
        return (x - mean.view(shape)) * scale.view(shape) + self.beta.view(shape)


class LMA(nn.Module):
    def __init__(self, k, momentum=LMA_MOMENTUM, unbiased=False):
        super().__init__()
        self.k, self.momentum, self.unbiased = k, momentum, unbiased
        self.alpha = nn.Parameter(torch.tensor([0.0 if j < k // 2 else 1.0 for j in range(k)]))
        self.beta = nn.Parameter(torch.zeros(k))
        self.register_buffer("running_mean", torch.zeros(1))
        self.register_buffer("running_std", torch.ones(1))

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                d = x.detach().double()
                mean = d.mean().float().view(1)
                std = d.std(unbiased=self.unbiased).float().view(1)
                self.running_mean.mul_(self.momentum).add_(mean * (1 - self.momentum))
                self.running_std.mul_(self.momentum).add_(std * (1 - self.momentum))
        else:
            mean, std = self.running_mean, self.running_std
        with torch.no_grad():
            sigma = torch.clamp(std.double(), min=np.float32(LMA_EPS).item())
            a = self.k / (6 * sigma)
            b = (3 * sigma - mean.double()) * a
            seg = torch.clamp(torch.floor(x.detach().double() * a + b), 0, self.k - 1).long()
        return self.alpha[seg] * x + self.beta[seg]


class Net(nn.Module):
    """packages/ml's buildModel for a ModelSpec (relu or lma; MLP or CNN), layers named as the service's."""

    def __init__(self, spec, shape=(28, 28, 1), classes=10, variant="exact"):
        super().__init__()
        self.spec, self.variant = spec, variant
        act = spec["activation"]
        self.act = act if isinstance(act, str) else act["name"]
        self.segments = 8 if isinstance(act, str) else act.get("segments", 8)
        self.counters = {}
        self.steps = []  # (kind, module name or None)
        self.bn = bool(spec.get("batchNorm", False))
        h, w, c = shape
        if spec["family"] == "mlp":
            self._op("flatten")
            n = h * w * c
            for units in spec["hidden"]:
                self._dense(n, units)
                self._norm_act(units)
                n = units
        else:
            k = spec.get("kernel", 3)
            for filters in spec["channels"]:
                for _ in range(spec.get("convsPerBlock", 1)):
                    name = self._name("conv2d")
                    self.add_module(name, nn.Conv2d(c, filters, k, padding="same"))
                    self.steps.append(("layer", name))
                    c = filters
                    self._norm_act(c)
                self._name("max_pooling2d")
                self.steps.append(("pool", None))
                h, w = h // 2, w // 2
            self._name("flatten")
            self.steps.append(("flatten", None))
            n = h * w * c
            for units in spec["dense"]:
                self._dense(n, units)
                self._norm_act(units)
                n = units
        self._dense(n, classes)

    def _name(self, kind):
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return f"{kind}_{self.counters[kind]}"

    def _op(self, kind):
        self.steps.append((kind, None))

    def _dense(self, n, units):
        name = self._name("dense")
        self.add_module(name, nn.Linear(n, units))
        self.steps.append(("layer", name))

    def _norm_act(self, channels):
        if self.bn:
            name = self._name("batch_normalization")
            self.add_module(name, BatchNorm(channels, unbiased_running=self.variant == "torch-defaults"))
            self.steps.append(("layer", name))
        if self.act == "relu":
            self._name("relu")
            self.steps.append(("relu", None))
        elif self.act == "lma":
            name = self._name("lma")
            self.add_module(name, LMA(self.segments, unbiased=self.variant == "torch-defaults"))
            self.steps.append(("layer", name))
        else:
            raise ValueError(f"activation {self.act} is not in the twin")

    def forward(self, x):  # x: N C H W
        for kind, name in self.steps:
            if kind == "layer":
                x = getattr(self, name)(x)
            elif kind == "relu":
                x = F.relu(x)
            elif kind == "pool":
                x = F.max_pool2d(x, 2, 2)
            elif kind == "flatten":
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1) if x.dim() == 4 else x.reshape(x.shape[0], -1)
        return x

    def init_weights(self, generator):
        """tfjs's initialisation scheme: glorot-uniform kernels, zero biases (BN and LMA init in their modules).
        Variant torch-defaults: torch's own (kaiming-uniform a=sqrt(5) weights and U(+-1/sqrt(fan_in)) biases)."""
        for name, m in self.named_children():
            if self.variant == "torch-defaults" and isinstance(m, (nn.Conv2d, nn.Linear)):
                bound = 1 / math.sqrt(m.weight[0].numel())
                with torch.no_grad():
                    m.weight.uniform_(-bound, bound, generator=generator)  # = kaiming_uniform_(a=sqrt(5))
                    m.bias.uniform_(-bound, bound, generator=generator)
                continue
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_out, fan_in = m.weight.shape[0], m.weight.shape[1]
                rf = m.weight[0][0].numel()
                limit = math.sqrt(6.0 / ((fan_in + fan_out) * rf))
                with torch.no_grad():
                    m.weight.uniform_(-limit, limit, generator=generator)
                    m.bias.zero_()

    def decayed(self):
        """Parameters weight decay applies to: conv and dense kernels (the service's `/kernel$` rule)."""
        out = []
        for m in self.children():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                out.append(m.weight)
        return out

    # tfjs layout <-> torch: conv kernel [kh, kw, in, out] ~ weight [out, in, kh, kw]; dense [in, out] ~ [out, in]
    def tfjs_tensors(self):
        out = []
        for name, m in self.named_children():
            if isinstance(m, nn.Conv2d):
                out += [(f"{name}/kernel", m.weight.detach().permute(2, 3, 1, 0)), (f"{name}/bias", m.bias.detach())]
            elif isinstance(m, nn.Linear):
                out += [(f"{name}/kernel", m.weight.detach().t()), (f"{name}/bias", m.bias.detach())]
            elif isinstance(m, BatchNorm):
                for t in ("gamma", "beta", "moving_mean", "moving_variance"):
                    out.append((f"{name}/{t}", getattr(m, t).detach()))
            elif isinstance(m, LMA):
                for t in ("alpha", "beta", "running_mean", "running_std"):
                    out.append((f"{name}/{t}", getattr(m, t).detach()))
        return out

    def load_tfjs(self, tensors):
        with torch.no_grad():
            for name, m in self.named_children():
                if isinstance(m, nn.Conv2d):
                    m.weight.copy_(tensors[f"{name}/kernel"].permute(3, 2, 0, 1))
                    m.bias.copy_(tensors[f"{name}/bias"])
                elif isinstance(m, nn.Linear):
                    m.weight.copy_(tensors[f"{name}/kernel"].t())
                    m.bias.copy_(tensors[f"{name}/bias"])
                else:
                    for t, v in m.named_parameters(recurse=False):
                        v.copy_(tensors[f"{name}/{t}"])
                    for t, v in m.named_buffers(recurse=False):
                        v.copy_(tensors[f"{name}/{t}"])


# ------------------------------------------------------------------------------------------- training parts
def kd_loss(logits, labels, teacher, alpha, temperature):
    ce = F.cross_entropy(logits, labels)
    if teacher is None or alpha == 0:
        return ce
    t = temperature
    log_p = F.log_softmax(teacher / t, dim=-1)
    log_q = F.log_softmax(logits / t, dim=-1)
    kl = (log_p.exp() * (log_p - log_q)).sum(-1).mean()
    return (1 - alpha) * ce + alpha * t * t * kl


def make_optimizer(model, spec):
    # torch-defaults: weight_decay on every parameter, as torch.optim applies it and the official code used it.
    every = getattr(model, "variant", "exact") == "torch-defaults"
    decayed = {id(p) for p in (model.parameters() if every else model.decayed())}
    wd = spec.get("weightDecay", 0.0)
    groups = [
        {"params": [p for p in model.parameters() if id(p) in decayed], "weight_decay": wd},
        {"params": [p for p in model.parameters() if id(p) not in decayed], "weight_decay": 0.0},
    ]
    if spec["name"] == "adam":
        return torch.optim.Adam(groups, lr=spec["lr"], betas=(0.9, 0.999), eps=1e-8)
    return torch.optim.SGD(groups, lr=spec["lr"], momentum=spec.get("momentum", 0.0))


class Schedule:
    """schedule.ts: the rate of a 1-based epoch; `observe` the epoch's monitored loss (plateau only)."""

    def __init__(self, base, epochs, spec):
        self.base, self.epochs, self.spec = base, epochs, spec or {"name": "constant"}
        self.plateau_rate, self.best, self.stale = base, math.inf, 0

    def rate(self, epoch):
        s = self.spec
        if s["name"] == "constant":
            return self.base
        if s["name"] == "step":
            return self.base * s.get("gamma", 0.1) ** ((epoch - 1) // s.get("every", 10))
        if s["name"] == "cosine":
            lo = s.get("minFactor", 0.0)
            progress = (epoch - 1) / max(1, self.epochs)
            return self.base * (lo + (1 - lo) * (1 + math.cos(math.pi * progress)) / 2)
        return self.plateau_rate

    def observe(self, loss):
        if self.spec["name"] != "plateau":
            return
        if not math.isfinite(self.best) or loss < self.best * (1 - 1e-4 * np.sign(self.best)):
            self.best, self.stale = loss, 0
            return
        self.stale += 1
        if self.stale > self.spec.get("patience", 2):
            self.plateau_rate *= self.spec.get("factor", 0.5)
            self.stale = 0


# --------------------------------------------------------------------------------------------------- data
def load_data(folder):
    meta = json.load(open(os.path.join(folder, "data.json")))
    arrays = {}
    for key, f in meta["files"].items():
        raw = open(os.path.join(folder, f["file"]), "rb").read()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != f["sha256"]:
            raise SystemExit(f"{f['file']}: sha256 {digest}, the driver wrote {f['sha256']}")
        arrays[key] = np.frombuffer(raw, dtype=f["dtype"]).reshape(f["shape"])
    h, w, c = meta["shape"]

    def images(a):  # uint8 N x (h w c) -> float N C H W in [0, 1], as makeBatch scales them
        return torch.from_numpy(a.astype(np.float32) / 255).reshape(-1, h, w, c).permute(0, 3, 1, 2).contiguous()

    return {
        "meta": meta,
        "train_x": images(arrays["trainImages"]),
        "train_y": torch.from_numpy(arrays["trainLabels"].astype(np.int64)),
        "test_x": images(arrays["testImages"]),
        "test_y": torch.from_numpy(arrays["testLabels"].astype(np.int64)),
        "orders": {int(k[len("order"):]): torch.from_numpy(v.astype(np.int64)) for k, v in arrays.items() if k.startswith("order")},
    }


@torch.no_grad()
def predict(model, x, batch=500):
    model.eval()
    return torch.cat([model(x[i : i + batch]) for i in range(0, len(x), batch)])


def train(model, data, recipe, seed, teacher_logits, distill, order_seed=None):
    """trainModel: per epoch the seed's shuffle, minibatches in training mode, the schedule after each epoch."""
    opt = make_optimizer(model, recipe["optimizer"])
    sched = Schedule(recipe["optimizer"]["lr"], recipe["epochs"], recipe.get("schedule"))
    x, y = data["train_x"], data["train_y"]
    n, bs = len(x), recipe["batchSize"]
    orders = data["orders"].get(order_seed if order_seed is not None else seed)
    gen = torch.Generator().manual_seed(seed * 7919 + 17)
    alpha = distill["alpha"] if distill and teacher_logits is not None else 0.0
    temperature = distill["temperature"] if distill else 1.0
    for epoch in range(1, recipe["epochs"] + 1):
        lr = sched.rate(epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        perm = orders[epoch - 1] if orders is not None else torch.randperm(n, generator=gen)
        model.train()
        total = 0.0
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            logits = model(x[idx])
            loss = kd_loss(logits, y[idx], teacher_logits[idx] if alpha > 0 else None, alpha, temperature)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.observe(total / n)


def accuracy(model, data):
    return (predict(model, data["test_x"]).argmax(-1) == data["test_y"]).float().mean().item()


def build(spec, seed, variant="exact", initial=None):
    """The model of `spec`: its own weight draw for `seed`, or (variant service-init) the service's `initial`."""
    if variant == "service-init":
        model = Net(spec)
        model.load_tfjs({w["name"]: read_f32("", w) for w in initial})
        return model
    model = Net(spec, variant=variant)
    model.init_weights(torch.Generator().manual_seed(seed))
    return model


def run_jobs(path):
    """Per variant: the teacher once, then the variant's student jobs against its logits; one JSON line per run."""
    jobs = json.load(open(path))
    data = load_data(jobs["data"])
    print(json.dumps({"torch": torch.__version__}), flush=True)
    for variant, ids in jobs["variants"].items():
        if not ids:
            continue
        t0, c0 = time.time(), time.process_time()
        spec = jobs["teacher"]
        teacher = build(spec["model"], spec["seed"], variant, spec.get("initial"))
        train(teacher, data, spec["train"], spec["seed"], None, None)
        teacher_logits = predict(teacher, data["train_x"])
        print(json.dumps({"variant": variant, "id": "teacher", "accuracy": accuracy(teacher, data),
                          "seconds": time.time() - t0, "cpuSeconds": time.process_time() - c0}), flush=True)
        for job in (j for j in jobs["students"] if j["id"] in ids):
            t0, c0 = time.time(), time.process_time()
            model = build(job["model"], job["seed"], variant, job.get("initial"))
            distill = job.get("distill")
            train(model, data, job["train"], job["seed"], teacher_logits if distill else None, distill)
            print(json.dumps({"variant": variant, "id": job["id"], "accuracy": accuracy(model, data),
                              "seconds": time.time() - t0, "cpuSeconds": time.process_time() - c0}), flush=True)


def read_f32(folder, entry):
    return torch.from_numpy(np.fromfile(os.path.join(folder, entry["file"]), dtype="<f4").reshape(entry["shape"]))


def replay(spec, folder, data, dtype):
    """The service's first len(spec['losses']) steps from its initial weights, in `dtype`: (losses, model)."""
    model = Net(spec["model"])
    model.load_tfjs({w["name"]: read_f32(folder, w) for w in spec["initial"]})
    model = model.to(dtype)
    teacher = read_f32(folder, spec["teacherLogits"]).to(dtype) if spec.get("teacherLogits") else None
    opt = make_optimizer(model, spec["train"]["optimizer"])
    for g in opt.param_groups:
        g["lr"] = spec["lr"]
    order = data["orders"][spec["seed"]][0]
    bs = spec["train"]["batchSize"]
    distill = spec.get("distill") or {"alpha": 0.0, "temperature": 1.0}
    x, y = data["train_x"].to(dtype), data["train_y"]
    losses = []
    model.train()
    for step in range(len(spec["losses"])):
        idx = order[step * bs : (step + 1) * bs]
        logits = model(x[idx])
        loss = kd_loss(logits, y[idx], teacher[idx] if teacher is not None else None,
                       distill["alpha"], distill["temperature"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses, model


def check(path):
    """The service's first K steps from its own initial weights: loss per step and every weight afterwards; and
    the same steps in float64, to show how fast float32 rounding alone makes two exact implementations drift."""
    spec = json.load(open(path))
    folder = os.path.dirname(path)
    data = load_data(spec["data"])
    losses, model = replay(spec, folder, data, torch.float32)
    losses64, _ = replay(spec, folder, data, torch.float64)
    rows = [{"step": i + 1, "service": s, "twin": t, "twin64": d}
            for i, (s, t, d) in enumerate(zip(spec["losses"], losses, losses64))]
    final = {w["name"]: read_f32(folder, w) for w in spec["final"]}
    diffs = []
    for name, t in model.tfjs_tensors():
        s = final[name]
        diffs.append({"name": name, "maxAbs": (t - s).abs().max().item(), "scale": s.abs().max().item()})
    service_logits = read_f32(folder, spec["testLogits"])
    twin_logits = predict(model, data["test_x"][: service_logits.shape[0]])
    print(json.dumps({"losses": rows, "weights": diffs,
                      "testLogitsMaxAbs": (twin_logits - service_logits).abs().max().item()}))


if __name__ == "__main__":
    mode, file = sys.argv[1], sys.argv[2]
    if mode == "train":
        run_jobs(file)
    elif mode == "check":
        check(file)
    else:
        raise SystemExit(f"unknown mode {mode}: train or check")
