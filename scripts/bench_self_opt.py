#!/usr/bin/env python3
"""Self-optimization sample (issue 15, seed §12): all real processes on 127.0.0.1, a dev node,
one `aitbc-worker` offering self-optimization (--self-opt) and the `aitbc` CLI. Registers the
calculator agent of bench_agent.py on Gemma 3 and runs `aitbc optimize self-opt` on the fixed
evaluation set (three arithmetic questions) across both embedded models and 1 and all thread
counts, printing the CLI's table as a user sees it.

Usage: scripts/bench-self-opt.sh [target]   (inference-speed, cost or quality; default
inference-speed)
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from bench_agent import CONFIG  # noqa: E402
from bench_job_pipeline import CLI, NODE, WORKER, start_chain, stop_all, wait_for  # noqa: E402


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "inference-speed"
    for b in (NODE, WORKER, CLI):
        if not os.path.exists(b):
            sys.exit(f"{b} is missing: run scripts/bench-self-opt.sh")
    work = tempfile.mkdtemp(prefix="aitbc-bench-self-opt-")
    procs = []
    try:
        url, env = start_chain(work, procs)
        log = os.path.join(work, "worker-Bob.log")
        procs.append(subprocess.Popen(
            [WORKER, "--url", url, "--uri", "//Bob", "--backend", "embedded", "--model",
             "gemma3", "--stream-listen", "127.0.0.1:0", "--self-opt"],
            stdout=open(log, "w"), stderr=subprocess.STDOUT))
        wait_for(log, "waiting for jobs", 180)
        cfg = os.path.join(work, "agent.json")
        config = dict(CONFIG, limits=dict(CONFIG["limits"], max_tool_calls=1))
        with open(cfg, "w") as f:
            json.dump(config, f)
        out = subprocess.run([CLI, "--wallet", "alice", "--output", "json", "agent", "create",
                              "--name", "calc", "--type", "assistant", "--config", cfg],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"agent create failed: {out.stderr}")
        agent = str(json.loads(out.stdout)["agent_id"])
        cmd = [CLI, "--wallet", "alice", "optimize", "self-opt", "--agent-id", agent,
               "--target", target, "--max-tokens", str(config["limits"]["max_tokens"])]
        print("$ aitbc " + " ".join(cmd[3:]), flush=True)
        out = subprocess.run(cmd, env=env, text=True)
        if out.returncode != 0:
            sys.exit("self-opt failed")
    finally:
        stop_all(procs, work)


if __name__ == "__main__":
    main()
