#!/usr/bin/env python3
"""Agent-run benchmark (issue 15): time to the first streamed step and a five-step run end to
end, all real processes on 127.0.0.1: a dev node, one `aitbc-worker` on the embedded Gemma 3
270M streaming its runs, and the `aitbc` CLI as the client.

The agent lists the calculator with four tool calls allowed: the model calls it until the
calls are used up, then can only answer, so each run is five steps (four tool steps, the
answer). Prints, over the runs: submit -> first streamed step, submit -> answer seen by the
client, the model's time per step (from the trace), and the price paid.

Usage: scripts/bench-agent.sh [runs]   (default 5)
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from bench_job_pipeline import CLI, NODE, WORKER, pct, start_chain, stop_all, wait_for  # noqa: E402

CONFIG = {
    "model": "gemma3",
    "price_cap": "1",
    "tools": ["calculator"],
    "system_prompt": "You solve arithmetic with the calculator tool, then give the final answer.",
    "limits": {"max_steps": 6, "max_tokens": 2000, "max_tool_calls": 4, "deadline_secs": 900},
}
QUESTIONS = [
    "What is 17*23? Use the calculator.",
    "What is (1200-355)/5? Use the calculator.",
    "What is 2^10 + 3^5? Use the calculator.",
]


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for b in (NODE, WORKER, CLI):
        if not os.path.exists(b):
            sys.exit(f"{b} is missing: run scripts/bench-agent.sh")
    work = tempfile.mkdtemp(prefix="aitbc-bench-agent-")
    procs = []
    try:
        url, env = start_chain(work, procs)
        log = os.path.join(work, "worker-Bob.log")
        procs.append(subprocess.Popen(
            [WORKER, "--url", url, "--uri", "//Bob", "--backend", "embedded", "--model",
             "gemma3", "--stream-listen", "127.0.0.1:0"],
            stdout=open(log, "w"), stderr=subprocess.STDOUT))
        wait_for(log, "waiting for jobs", 180)
        cfg = os.path.join(work, "agent.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG, f)
        out = subprocess.run([CLI, "--wallet", "alice", "--output", "json", "agent", "create",
                              "--name", "bench", "--type", "assistant", "--config", cfg],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"agent create failed: {out.stderr}")
        agent = str(json.loads(out.stdout)["agent_id"])

        first, total, per_step, price, steps = [], [], [], [], []
        for i in range(runs):
            q = QUESTIONS[i % len(QUESTIONS)]
            t0 = time.monotonic()
            out = subprocess.run([CLI, "--wallet", "alice", "--output", "json", "agent",
                                  "execute", "--agent-id", agent, "--input", q, "--stream",
                                  "--timeout", "900"], env=env, capture_output=True, text=True)
            t1 = time.monotonic()
            if out.returncode != 0:
                sys.exit(f"run {i} failed: {out.stderr}")
            v = json.loads(out.stdout)
            if v.get("status") != "completed" or not v.get("trace_verified"):
                sys.exit(f"run {i} ended {v.get('status')}: {out.stdout}")
            n = len(v["steps"])
            steps.append(n)
            first.append(v["first_step_ms"])
            total.append((t1 - t0) * 1000.0)
            per_step.append(sum(s["millis"] for s in v["steps"]) / n)
            price.append(float(v["paid"]))
            print(f"  run {i}: {n} steps ({v['end']}), first step +{v['first_step_ms']} ms, "
                  f"answer +{total[-1]:.0f} ms, {per_step[-1]:.0f} ms a step, "
                  f"paid {v['paid']} AIT", flush=True)
        print()
        print(f"agent runs: {runs} runs, dev chain (2 s slots), one embedded Gemma 3 270M "
              f"worker on {os.cpu_count()} cores, steps per run {sorted(set(steps))}")
        print(f"  submit -> first streamed step   p50 {pct(first, 50):7.0f} ms  "
              f"p99 {pct(first, 99):7.0f} ms")
        print(f"  submit -> answer (end to end)   p50 {pct(total, 50):7.0f} ms  "
              f"p99 {pct(total, 99):7.0f} ms")
        print(f"  model time per step             p50 {pct(per_step, 50):7.0f} ms")
        print(f"  price paid                      p50 {pct(price, 50):.6f} AIT")
    finally:
        stop_all(procs, work)


if __name__ == "__main__":
    main()
