#!/usr/bin/env python3
"""Job pipeline benchmark: a dev node, the miner daemon on the embedded backend and the `aitbc`
CLI as the client, all real processes on 127.0.0.1.

Submits jobs one after another with `aitbc client submit --wait`, each after a random pause of
0-2 s (clients do not arrive in step with the slot clock), and prints:
  - end to end: submit -> completed seen by the client (the CLI process included), p50 / p99
  - inference: the backend's own compute time (from the job's on-chain metrics), p50 / p99
  - chain overhead: end to end minus inference, p50 / p99 (goal: p50 < 3 s with 2 s slots)
  - the worker's own overhead from its timing log lines: assignment seen -> inference start,
    and inference end -> result included, p50 / p99
  - embedded generation speed (tokens/s) over all jobs

Usage: scripts/bench-job-pipeline.sh [jobs]   (default 20)
"""
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/aitbc/target"))
BIN = os.path.join(TARGET, "debug")
# The binaries under test; override to measure other builds.
NODE = os.environ.get("AITBC_NODE_BIN", os.path.join(BIN, "aitbc-node"))
WORKER = os.environ.get("AITBC_WORKER_BIN", os.path.join(BIN, "aitbc-worker"))
CLI = os.environ.get("AITBC_CLI_BIN", os.path.join(BIN, "aitbc"))
PROMPTS = [
    "What is the capital of France? Answer in one sentence.",
    "Name three primary colours.",
    "What is 12 times 12?",
    "Give one word that rhymes with cat.",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1)))))
    return v[k]


def wait_for(path, needle, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                if needle in f.read():
                    return
        except FileNotFoundError:
            pass
        time.sleep(0.2)
    with open(path, encoding="utf-8", errors="replace") as f:
        tail = f.read()[-3000:]
    sys.exit(f"`{needle}` not seen in {path} within {timeout} s:\n{tail}")


def stop_all(procs, work):
    """Stop the processes (terminate, then kill after 70 s) and remove the work directory,
    unless AITBC_BENCH_KEEP is set."""
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(timeout=70)
        except subprocess.TimeoutExpired:
            p.kill()
    if os.environ.get("AITBC_BENCH_KEEP"):
        print(f"  logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)


def start_chain(work, procs):
    """Start a dev node in `work` (appended to `procs`) and import //Alice as `alice` into a
    fresh CLI home. Returns the node's URL and the CLI's environment."""
    port = free_port()
    url = f"ws://127.0.0.1:{port}"
    node_log = os.path.join(work, "node.log")
    procs.append(subprocess.Popen(
        [NODE, "--dev", "--base-path", os.path.join(work, "node"),
         "--rpc-port", str(port), "--prometheus-port", str(free_port())],
        stdout=open(node_log, "w"), stderr=subprocess.STDOUT))
    wait_for(node_log, "Authored #1", 60)
    env = dict(os.environ, AITBC_HOME=os.path.join(work, "home"), AITBC_PASSWORD="bench",
               AITBC_URL=url)
    env.pop("AITBC_WALLET", None)
    env.pop("AITBC_OUTPUT", None)
    subprocess.run([CLI, "wallet", "import", "--name", "alice", "--uri", "//Alice"],
                   env=env, check=True, capture_output=True)
    return url, env


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    for b in (NODE, WORKER, CLI):
        if not os.path.exists(b):
            sys.exit(f"{b} is missing: run scripts/bench-job-pipeline.sh")
    work = tempfile.mkdtemp(prefix="aitbc-bench-jobs-")
    procs = []
    try:
        url, env = start_chain(work, procs)
        aitbc = CLI
        worker_log = os.path.join(work, "worker.log")
        procs.append(subprocess.Popen(
            [WORKER, "--url", url, "--uri", "//Bob",
             "--backend", "embedded", "--max-tokens", "48"],
            stdout=open(worker_log, "w"), stderr=subprocess.STDOUT))
        wait_for(worker_log, "waiting for jobs", 120)

        total, inference, to_inclusion = [], [], []
        rng = random.Random(7)
        for i in range(jobs):
            prompt = PROMPTS[i % len(PROMPTS)]
            # Clients arrive independently of the slot clock: without this pause every
            # submission would start right after the previous job's block and wait a full slot.
            time.sleep(rng.uniform(0.0, 2.0))
            t0 = time.monotonic()
            out = subprocess.run(
                [aitbc, "--wallet", "alice", "--output", "json", "client", "submit", "--model",
                 "smollm2", "--prompt", prompt, "--payment", "5", "--wait", "--timeout", "300"],
                env=env, capture_output=True, text=True)
            t1 = time.monotonic()
            if out.returncode != 0:
                sys.exit(f"job {i} failed: {out.stderr}")
            v = json.loads(out.stdout)
            if v.get("status") != "completed":
                sys.exit(f"job {i} ended {v.get('status')}: {out.stdout}")
            total.append((t1 - t0) * 1000.0)
            inference.append(float(v.get("compute_ms") or 0))
            # `wait_secs`: from the submission's inclusion to the completion the CLI saw.
            to_inclusion.append(total[-1] - float(v.get("wait_secs") or 0) * 1000.0)
            print(f"  job #{v['job_id']}: {total[-1]:7.0f} ms end to end, "
                  f"{inference[-1]:6.0f} ms inference", flush=True)
        time.sleep(1)
        with open(worker_log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        seen_to_start = [float(m) for m in re.findall(r"seen->inference (\d+) ms", log)]
        end_to_included = [float(m) for m in re.findall(r"inference->included (\d+) ms", log)]
        tok_s = [float(m) for m in re.findall(r"generated tokens in \d+ ms \(([\d.]+) tokens/s\)", log)]
        overhead = [t - c for t, c in zip(total, inference)]

        print()
        print(f"job pipeline: {jobs} jobs, dev chain (2 s slots), embedded SmolLM2-135M, debug "
              f"node/worker binaries (candle optimised), {os.cpu_count()} cores")
        rows = [
            ("end to end (client submit -> completed)", total),
            ("client: CLI start -> submission in a block", to_inclusion),
            ("inference (backend compute time)", inference),
            ("chain overhead (end to end - inference)", overhead),
            ("worker: assignment seen -> inference start", seen_to_start),
            ("worker: inference end -> result included", end_to_included),
        ]
        print(f"  {'':45} {'p50 ms':>9} {'p99 ms':>9} {'n':>4}")
        for name, vals in rows:
            print(f"  {name:45} {pct(vals, 50):9.0f} {pct(vals, 99):9.0f} {len(vals):4}")
        if tok_s:
            print(f"  embedded generation: {statistics.mean(tok_s):.1f} tokens/s mean "
                  f"(min {min(tok_s):.1f}, max {max(tok_s):.1f})")
        p50 = pct(overhead, 50)
        print(f"  chain overhead p50 {p50 / 1000:.2f} s: goal < 3 s "
              f"{'met' if p50 < 3000 else 'NOT met'}")
    finally:
        stop_all(procs, work)


if __name__ == "__main__":
    main()
