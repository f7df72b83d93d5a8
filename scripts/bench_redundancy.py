#!/usr/bin/env python3
"""Redundant-job benchmark (issue 14): latency and cost of a k=3 job against k=1 on the
embedded backend, all real processes on 127.0.0.1: a dev node, three `aitbc-worker`s on the
embedded SmolLM2 profile (each declares it at start), and the `aitbc` CLI as the client.

Alternates k=1 and k=3 jobs (`aitbc client submit --wait`, each after a random 0-2 s pause),
and prints for each: end to end (submit -> completed seen by the client) p50 / p99, the price
the client paid (the chain's receipt) p50, and how many k=3 jobs agreed byte for byte.

Usage: scripts/bench-redundancy.sh [jobs per k]   (default 10)
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_job_pipeline import CLI, NODE, PROMPTS, WORKER, pct, start_chain, stop_all, wait_for  # noqa: E402


def main():
    per_k = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    for b in (NODE, WORKER, CLI):
        if not os.path.exists(b):
            sys.exit(f"{b} is missing: run scripts/bench-redundancy.sh")
    work = tempfile.mkdtemp(prefix="aitbc-bench-redundancy-")
    procs = []
    try:
        url, env = start_chain(work, procs)
        for who in ("Bob", "Charlie", "Dave"):
            log = os.path.join(work, f"worker-{who}.log")
            procs.append(subprocess.Popen(
                [WORKER, "--url", url, "--uri", f"//{who}", "--backend", "embedded",
                 "--max-tokens", "48"],
                stdout=open(log, "w"), stderr=subprocess.STDOUT))
        for who in ("Bob", "Charlie", "Dave"):
            wait_for(os.path.join(work, f"worker-{who}.log"), "declared execution profile", 180)

        results = {1: [], 3: []}
        agreed_all = 0
        rng = random.Random(7)
        for i in range(per_k * 2):
            k = 1 if i % 2 == 0 else 3
            prompt = PROMPTS[(i // 2) % len(PROMPTS)]
            time.sleep(rng.uniform(0.0, 2.0))
            args = [CLI, "--wallet", "alice", "--output", "json", "client", "submit", "--model",
                    "smollm2", "--prompt", prompt, "--max-tokens", "48", "--payment", "5",
                    "--wait", "--timeout", "600"]
            if k == 3:
                args += ["--redundancy", "3", "--ttl", "900"]
            t0 = time.monotonic()
            out = subprocess.run(args, env=env, capture_output=True, text=True)
            t1 = time.monotonic()
            if out.returncode != 0:
                sys.exit(f"job {i} (k={k}) failed: {out.stderr}")
            v = json.loads(out.stdout)
            if v.get("status") != "completed":
                sys.exit(f"job {i} (k={k}) ended {v.get('status')}: {out.stdout}")
            receipt = subprocess.run(
                [CLI, "--output", "json", "receipt", "verify", str(v["receipt_id"])],
                env=env, capture_output=True, text=True)
            if receipt.returncode != 0:
                sys.exit(f"receipt of job {i} did not verify: {receipt.stderr}")
            r = json.loads(receipt.stdout)
            price = int(r["price"]) / 1e12
            if k == 3:
                lines = r.get("participants") or []
                if len(lines) == 3 and all(l["verdict"] == "agreed" for l in lines):
                    agreed_all += 1
            results[k].append(((t1 - t0) * 1000.0, price))
            print(f"  k={k} job #{v['job_id']}: {results[k][-1][0]:7.0f} ms end to end, "
                  f"price {price:.6f} AIT", flush=True)

        print()
        print(f"redundant jobs: {per_k} jobs per k, dev chain (2 s slots), three embedded "
              f"SmolLM2-135M workers on {os.cpu_count()} cores (they share the CPU)")
        print(f"  {'':12} {'p50 ms':>9} {'p99 ms':>9} {'price p50 AIT':>14}")
        for k in (1, 3):
            lat = [t for t, _ in results[k]]
            cost = [c for _, c in results[k]]
            print(f"  {'k=' + str(k):12} {pct(lat, 50):9.0f} {pct(lat, 99):9.0f} "
                  f"{pct(cost, 50):14.6f}")
        print(f"  k=3 jobs whose three outputs agreed byte for byte: {agreed_all}/{per_k}")
    finally:
        stop_all(procs, work)


if __name__ == "__main__":
    main()
