#!/usr/bin/python3
"""PyTorch side of bench/sweep.ts: a whole distillation sweep (teacher -> students -> PTQ/QAT variants) as one
process per core would run it, on the rows Distillery's own runs use.

`sweep_torch.py JOBS.json --worker W --workers N [--threads 1]`. JOBS.json (written by bench/sweep.ts) names the
data folder (bench/ml-twin.ts's export: training rows in the run's order, validation and test rows, each seed's
per-epoch shuffle, with sha256 digests that load_data checks) and the sweep's planned runs as packages/spec's
expandSweep makes them (key, kind, parentKey, config). Worker 0 trains the teacher and writes its logits on the
training rows (to a file the other workers wait for); then worker W takes every student whose index % N == W
and its variants: the student (KD against the teacher's logits), its PTQ variants (the trained student's kernels
quantized min-max per bucket, evaluated), its QAT variants (trained from scratch against the teacher with
fake-quantized kernels, straight-through, then quantized). Every trained run evaluates the validation rows after
each epoch and the test rows at the end, as packages/ml does. One JSON line per run on stdout, then one with the
process's wall and CPU seconds.

Models, BatchNorm, LMA, initialisation, weight decay on kernels, SGD/Adam and the schedules are the PyTorch
twin's (ml_twin_torch.py, which follows packages/ml); PReLU (0.25 per unit), Swish (trainable beta 1) and APLU
(S - 2 hinges per unit, zero-initialised: ReLU at the start, packages/ml's 'relu' init) are written here; the
fake quantizer is ml_throughput_torch.py's.
"""

import json
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ml_throughput_torch import fake_quantize  # noqa: E402
from ml_twin_torch import LMA, BatchNorm, Schedule, kd_loss, load_data, make_optimizer, predict  # noqa: E402

torch.set_num_threads(int(_threads))


class Swish(nn.Module):
    def __init__(self):
        super().__init__()
        self.beta = nn.Parameter(torch.ones(1))

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


class APLU(nn.Module):
    """h(x) = relu(x) + sum_s a_s relu(b_s - x), per unit; a = b = 0 at the start (packages/ml's 'relu' init)."""

    def __init__(self, units, hinges):
        super().__init__()
        self.alpha = nn.Parameter(torch.zeros(hinges, units))
        self.offset = nn.Parameter(torch.zeros(hinges, units))

    def forward(self, x):
        return F.relu(x) + (self.alpha[:, None, :] * F.relu(self.offset[:, None, :] - x.unsqueeze(0))).sum(0)


def activation(spec, units):
    spec = {"name": spec} if isinstance(spec, str) else spec
    name = spec["name"]
    if name == "relu":
        return nn.ReLU()
    if name == "prelu":
        return nn.PReLU(units, init=0.25)
    if name == "swish":
        return Swish()
    if name == "aplu":
        return APLU(units, max(1, spec.get("segments", 8) - 2))
    if name == "lma":
        return LMA(spec.get("segments", 8))
    raise ValueError(f"activation {name} is not in this script")


class Mlp(nn.Module):
    """packages/ml's MLP: dense -> BatchNorm -> activation per hidden layer, then the logits."""

    def __init__(self, spec, inputs=784, classes=10):
        super().__init__()
        layers, width = [], inputs
        for units in spec["hidden"]:
            layers.append(nn.Linear(width, units))
            if spec.get("batchNorm"):
                layers.append(BatchNorm(units))
            layers.append(activation(spec["activation"], units))
            width = units
        layers.append(nn.Linear(width, classes))
        self.net = nn.Sequential(*layers)
        self.kernels = [m.weight for m in self.net if isinstance(m, nn.Linear)]

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], -1))

    def init_weights(self, generator):
        """glorot-uniform kernels, zero biases (tfjs's defaults, as the twin)."""
        for m in self.net:
            if isinstance(m, nn.Linear):
                limit = (6.0 / (m.weight.shape[0] + m.weight.shape[1])) ** 0.5
                with torch.no_grad():
                    m.weight.uniform_(-limit, limit, generator=generator)
                    m.bias.zero_()

    def decayed(self):
        return self.kernels


def build(config):
    if config["model"]["family"] != "mlp":
        raise SystemExit("sweep_torch.py trains MLPs only (the lma-vs-relu sweep)")
    model = Mlp(config["model"])
    model.init_weights(torch.Generator().manual_seed(config["seed"]))
    return model


def evaluate(model, x, y):
    logits = predict(model, x)
    return (logits.argmax(-1) == y).float().mean().item(), F.cross_entropy(logits, y).item()


def quantize_kernels(model, quantize):
    with torch.no_grad():
        for w in model.kernels:
            w.copy_(fake_quantize(w, quantize["bits"], quantize["bucketSize"]))


def train(model, data, config, teacher_logits, qat=None):
    """trainModel: the seed's shuffle per epoch, minibatches in training mode, validation after each epoch."""
    recipe, distill = config["train"], config.get("distill")
    opt = make_optimizer(model, recipe["optimizer"])
    sched = Schedule(recipe["optimizer"]["lr"], recipe["epochs"], recipe.get("schedule"))
    x, y = data["train_x"], data["train_y"]
    n, bs = len(x), recipe["batchSize"]
    orders = data["orders"][config["seed"]]
    alpha = distill["alpha"] if distill and teacher_logits is not None else 0.0
    temperature = distill["temperature"] if distill else 1.0
    for epoch in range(1, recipe["epochs"] + 1):
        lr = sched.rate(epoch)
        for g in opt.param_groups:
            g["lr"] = lr
        perm = orders[epoch - 1]
        model.train()
        total = 0.0
        for start in range(0, n, bs):
            idx = perm[start : start + bs]
            full = []
            if qat:
                with torch.no_grad():
                    for w in model.kernels:
                        full.append(w.detach().clone())
                        w.copy_(fake_quantize(w, qat["bits"], qat["bucketSize"]))
            logits = model(x[idx])
            loss = kd_loss(logits, y[idx], teacher_logits[idx] if alpha > 0 else None, alpha, temperature)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if qat:
                with torch.no_grad():
                    for w, f in zip(model.kernels, full):
                        w.copy_(f)
            opt.step()
            total += loss.item() * len(idx)
        val_loss = evaluate(model, data["val_x"], data["val_y"])[1] if len(data["val_x"]) else total / n
        sched.observe(val_loss)


def load(folder):
    data = load_data(folder)
    meta = data["meta"]
    raw = {k: np.fromfile(os.path.join(folder, f["file"]), dtype=f["dtype"]).reshape(f["shape"])
           for k, f in meta["files"].items() if k in ("valImages", "valLabels")}
    data["val_x"] = torch.from_numpy(raw["valImages"].astype(np.float32) / 255)
    data["val_y"] = torch.from_numpy(raw["valLabels"].astype(np.int64))
    return data


def wait_for(path):
    while not os.path.exists(path):
        time.sleep(0.05)
    return torch.from_numpy(np.load(path))


def main():
    jobs = json.load(open(sys.argv[1]))
    worker = int(sys.argv[sys.argv.index("--worker") + 1])
    workers = int(sys.argv[sys.argv.index("--workers") + 1])
    wall0, cpu0 = time.time(), time.process_time()
    data = load(jobs["data"])
    runs = {r["key"]: r for r in jobs["runs"]}
    logits_file = os.path.join(os.path.dirname(os.path.abspath(sys.argv[1])), "teacher-logits.npy")

    def report(key, t0, c0, model):
        acc, _ = evaluate(model, data["test_x"], data["test_y"])
        print(json.dumps({"key": key, "kind": runs[key]["kind"], "worker": worker, "accuracy": acc,
                          "seconds": time.time() - t0, "cpuSeconds": time.process_time() - c0}), flush=True)

    if worker == 0:
        t0, c0 = time.time(), time.process_time()
        teacher = build(runs["teacher"]["config"])
        train(teacher, data, runs["teacher"]["config"], None)
        logits = predict(teacher, data["train_x"])
        report("teacher", t0, c0, teacher)
        np.save(logits_file + ".tmp.npy", logits.numpy())
        os.replace(logits_file + ".tmp.npy", logits_file)
    teacher_logits = wait_for(logits_file)
    students = [r for r in jobs["runs"] if r["kind"] == "student"]
    for i, student in enumerate(students):
        if i % workers != worker:
            continue
        t0, c0 = time.time(), time.process_time()
        model = build(student["config"])
        train(model, data, student["config"], teacher_logits)
        report(student["key"], t0, c0, model)
        trained = {k: v.clone() for k, v in model.state_dict().items()}
        for child in (r for r in jobs["runs"] if r["parentKey"] == student["key"]):
            t0, c0 = time.time(), time.process_time()
            model.load_state_dict(trained)
            quantize_kernels(model, child["config"]["quantize"])
            report(child["key"], t0, c0, model)
        for qat in (r for r in jobs["runs"] if r["kind"] == "quantize-qat" and r["key"].startswith(student["key"] + ".")):
            t0, c0 = time.time(), time.process_time()
            model = build(qat["config"])
            train(model, data, qat["config"], teacher_logits, qat=qat["config"]["quantize"])
            quantize_kernels(model, qat["config"]["quantize"])
            report(qat["key"], t0, c0, model)
    print(json.dumps({"worker": worker, "done": True, "seconds": time.time() - wall0,
                      "cpuSeconds": time.process_time() - cpu0, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
