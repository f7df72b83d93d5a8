#!/usr/bin/env bash
# The license of every crate the workspace builds (normal, build and dev dependencies, all
# features), from `cargo metadata`: a table per license with the crates under it, as the README's
# "Licenses" section shows it.
#   scripts/licenses.sh            # summary: each license expression and how many crates use it
#   scripts/licenses.sh --full     # and every crate with its version
set -euo pipefail
cd "$(dirname "$0")/.."
full="${1:-}"
cargo metadata --format-version 1 --all-features --locked 2>/dev/null | python3 -c '
import json, sys, collections
full = sys.argv[1] == "--full"
meta = json.load(sys.stdin)
members = set(meta["workspace_members"])
by_license = collections.defaultdict(list)
for p in meta["packages"]:
    if p["id"] in members:
        continue
    by_license[p.get("license") or "(none given: " + (p.get("license_file") or "no file") + ")"].append(p["name"] + " " + p["version"])
print("| license | crates |")
print("|---|---|")
for lic, crates in sorted(by_license.items(), key=lambda kv: -len(kv[1])):
    names = ", ".join(sorted(crates))
    if full:
        shown = str(len(crates)) + ": " + names
    elif len(crates) <= 6:
        shown = names
    else:
        shown = str(len(crates)) + " crates"
    print("| " + lic + " | " + shown + " |")
' "$full"
