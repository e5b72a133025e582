"""The PyTorch peer of `streamtrain bench`: a plain training loop as a PyTorch user writes it.

Reads a JSON request (the network, optimizer and step size of the job, the data files and, for
mode "kafka", the topic), trains `runs` times from fresh parameters, and writes a JSON result:
per run the rows, seconds, rows/s and held-out accuracy.

mode "memory": the rows already in memory as tensors, a loop over slices of `step` rows.
mode "kafka":  a kafka-python consumer reads the rows topic from the beginning, each message is
               parsed (CSV: features then the label), `step` rows make a batch; timed from the
               first message received to the last step done, as the job is timed from its first
               row read.
"""
import json
import resource
import sys
import time

import numpy as np
import torch


def network(req):
    sizes = req["layers"]
    act = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
           "identity": torch.nn.Identity}[req["hidden_activation"]]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act())
    return torch.nn.Sequential(*layers)


def optimizer(req, net):
    # L2 on the weights only, as the job does (torch's weight_decay adds l2 * W to the gradient)
    weights = [p for n, p in net.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in net.named_parameters() if n.endswith("bias")]
    groups = [{"params": weights, "weight_decay": req["l2"]}, {"params": biases, "weight_decay": 0.0}]
    name = req["optimizer"]
    if name == "sgd":
        opt = torch.optim.SGD(groups, lr=req["learning_rate"])
    elif name == "adam":
        opt = torch.optim.Adam(groups, lr=req["learning_rate"], betas=(req["beta1"], req["beta2"]),
                               eps=req["epsilon"])
    else:
        raise SystemExit("the PyTorch peer covers sgd and adam only, not " + name)
    schedule = None
    if req["schedule"] == "step":
        schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=req["schedule_step_size"],
                                                   gamma=req["schedule_gamma"])
    elif req["schedule"] != "constant":
        raise SystemExit("the PyTorch peer covers the constant and step schedules only")
    return opt, schedule


def read_data(path):
    header = np.fromfile(path, dtype="<i4", count=4)
    rows, features, label_width = int(header[1]), int(header[2]), int(header[3])
    data = np.fromfile(path, dtype="<f4", offset=16).reshape(rows, features + label_width)
    return torch.from_numpy(data[:, :features].copy()), torch.from_numpy(data[:, features].astype(np.int64))


def accuracy(net, x, y):
    with torch.no_grad():
        return (net(x).argmax(dim=1) == y).float().mean().item()


def step(net, opt, schedule, loss_fn, xb, yb):
    opt.zero_grad()
    loss = loss_fn(net(xb), yb)
    loss.backward()
    opt.step()
    if schedule is not None:
        schedule.step()


def train_memory(req, x, y):
    torch.manual_seed(req["seed"])
    net = network(req)
    opt, schedule = optimizer(req, net)
    loss_fn = torch.nn.CrossEntropyLoss()
    b = req["step_rows"]
    n = x.shape[0]
    t0 = time.perf_counter()
    for i in range(0, n, b):
        step(net, opt, schedule, loss_fn, x[i:i + b], y[i:i + b])
    return net, n, time.perf_counter() - t0


def parse_csv(value):
    """features..., class index: one CSV row a message"""
    values = np.array(value.split(b","), dtype=np.float32)
    return values[None, :-1], [int(values[-1])]


def parse_dense(value):
    """the dense row format (README "Row formats"): 'S' 'D' 1 type, int32 class index, features
    (type 1: unsigned 8-bit, type 4: float32), little-endian; a message holds one or more rows of
    one length back to back"""
    width = 8 + (FEATURES if value[3] == 1 else 4 * FEATURES)
    rows = np.frombuffer(value, dtype=np.uint8).reshape(len(value) // width, width)
    labels = rows[:, 4:8].copy().view("<i4")[:, 0].tolist()
    if value[3] == 1:
        return rows[:, 8:].astype(np.float32), labels
    return rows[:, 8:].copy().view("<f4"), labels


def train_kafka(req):
    from kafka import KafkaConsumer, TopicPartition
    torch.manual_seed(req["seed"])
    net = network(req)
    opt, schedule = optimizer(req, net)
    loss_fn = torch.nn.CrossEntropyLoss()
    b = req["step_rows"]
    total = req["rows"]
    scale = req["feature_scale"]
    parse = parse_dense if req.get("format") == "dense" else parse_csv
    global FEATURES
    FEATURES = req["layers"][0]
    consumer = KafkaConsumer(bootstrap_servers=req["bootstrap"], enable_auto_commit=False,
                             max_partition_fetch_bytes=8 << 20, fetch_max_bytes=64 << 20)
    parts = [TopicPartition(req["topic"], p) for p in range(req["partitions"])]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    xs, ys = [], []
    held = 0
    seen = 0
    t0 = None
    while seen < total:
        for records in consumer.poll(timeout_ms=1000).values():
            for msg in records:
                if t0 is None:
                    t0 = time.perf_counter()
                x, y = parse(msg.value)
                xs.append(x * scale)
                ys.extend(y)
                held += len(y)
                seen += len(y)
                while held >= b:
                    batch = np.concatenate(xs)
                    step(net, opt, schedule, loss_fn, torch.from_numpy(batch[:b]), torch.tensor(ys[:b]))
                    xs, ys, held = [batch[b:]], ys[b:], held - b
    if held:
        step(net, opt, schedule, loss_fn, torch.from_numpy(np.concatenate(xs)), torch.tensor(ys))
    seconds = time.perf_counter() - t0
    consumer.close()
    return net, seen, seconds


def peak_rss_kb():
    # VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over an exec, so it would report the
    # launching JVM's peak
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def blas_library():
    """The BLAS library this process has loaded (after a matrix product): Debian's torch calls
    whatever libblas.so.3 the alternatives system points at, the reference BLAS unless an
    optimized one (libopenblas0-pthread) is installed, which is 20x slower on 784-128-10"""
    torch.ones(2, 2) @ torch.ones(2, 2)
    found = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            path = fields[5] if len(fields) >= 6 else ""
            name = path.rsplit("/", 1)[-1]
            if ("blas" in name or "mkl" in name) and path not in found:
                found.append(path)
    return ", ".join(found) or "none loaded (statically linked)"


def main():
    req = json.load(open(sys.argv[1]))
    torch.set_num_threads(req["threads"])
    torch.set_num_interop_threads(1)
    hx, hy = read_data(req["holdout"])
    x = y = None
    if req["mode"] == "memory":
        x, y = read_data(req["data"])
    runs = []
    for _ in range(req["runs"]):
        if req["mode"] == "memory":
            net, rows, seconds = train_memory(req, x, y)
        else:
            net, rows, seconds = train_kafka(req)
        runs.append({"rows": rows, "seconds": seconds, "rows_per_second": rows / seconds,
                     "holdout_accuracy": accuracy(net, hx, hy)})
    usage = resource.getrusage(resource.RUSAGE_SELF)
    json.dump({"threads": torch.get_num_threads(), "library": "torch " + torch.__version__, "runs": runs,
               "blas": blas_library(),
               "peak_rss_kb": peak_rss_kb(), "process_cpu_seconds": usage.ru_utime + usage.ru_stime},
              open(sys.argv[2], "w"), indent=2)


if __name__ == "__main__":
    main()
