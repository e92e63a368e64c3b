"""Runs the Python shard reader from docs/dataset-format.md on every dataset shipped in data/.

Proves the documented format is readable without pathcast: each shard's sample count, flow counts
and link indices must agree with the manifest and with the topology sizes.
"""
import json
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
doc = (root / "docs" / "dataset-format.md").read_text()
namespace = {}
exec(re.search(r"```python\n(.*?)```", doc, re.S).group(1), namespace)
read_shard = namespace["read_shard"]

checked = failed = 0
for manifest_path in sorted(root.glob("data/*/manifest.json")):
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["shards"]:
        samples = read_shard(manifest_path.parent / entry["file"])
        fixed = "generator" in manifest and manifest["generator"]["networks"]["kind"] == "fixed"
        ok = len(samples) == entry["samples"] and all(
            s["index"] == entry["first_index"] + i
            and (not fixed or len(s["flows"]) == s["nodes"] * (s["nodes"] - 1))
            and 0 < len(s["flows"]) <= s["nodes"] * (s["nodes"] - 1)
            and all(0 <= l < len(s["links"]) for f in s["flows"] for l in f["path"])
            and all(s["links"][f["path"][0]]["src"] == f["src"] and s["links"][f["path"][-1]]["dst"] == f["dst"]
                    for f in s["flows"])
            and all(f["delay_s"] > 0 and f["rate_bps"] > 0 for f in s["flows"])
            and all(l["capacity_bps"] > 0 and l["propagation_s"] >= 0 for l in s["links"])
            for i, s in enumerate(samples)
        )
        checked += 1
        failed += not ok
        if not ok:
            print(f"{manifest_path.parent / entry['file']}: does not match its manifest", file=sys.stderr)
print(f"python shard reader: {checked - failed} passed, {failed} failed")
sys.exit(1 if failed or not checked else 0)
