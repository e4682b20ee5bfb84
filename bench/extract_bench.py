"""Extraction speed and memory on a generated 5 MB / 20,000-entry awesome list.

Targets: ≤ 1 s in-process (issue 15; issue 3 asked ≤ 2 s) and ≤ 200 MB peak RSS
on a 2-core machine.

    python bench/extract_bench.py [--entries 20000] [--runs 3]

Prints one line per run and a summary; figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time

from linkwatch.extract import extract_text

_WORDS = (
    "attention",
    "network",
    "transformer",
    "visual",
    "recognition",
    "deep",
    "residual",
    "segmentation",
    "detection",
    "efficient",
    "self-supervised",
    "contrastive",
    "graph",
    "注意力",
    "机制",
    "网络",
)
_TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEF0123456789"
_VENUES = ("CVPR", "ICCV", "ECCV", "NeurIPS", "ICLR", "AAAI", "arXiv")


def generate(entries: int, seed: int = 1) -> bytes:
    """A list shaped like the real ones: sections, nested items, tables, odd links."""
    rnd = random.Random(seed)
    out = ["# Awesome Generated List\n\n## Contents\n- [Papers](#papers)\n\n## Papers\n"]
    for i in range(entries):
        if i % 500 == 0:
            out.append(f"\n### {2000 + i // 500}\n\n")
        title = " ".join(rnd.choice(_WORDS) for _ in range(rnd.randint(5, 12))).capitalize()
        venue = f"({rnd.choice(_VENUES)}-{rnd.randint(2015, 2024)})"
        aid = f"{rnd.randint(1501, 2412)}.{rnd.randint(10000, 99999)}"
        line = (
            f"- {title} {venue}[[paper](https://arxiv.org/abs/{aid})]"
            f"[[code](https://github.com/user{i}/repo-{i % 97})]"
        )
        if i % 3 == 0:
            line += f"[[video](https://www.bilibili.com/video/BV1{i:09d}x?t={i % 600})]"
        if i % 7 == 0:
            line += f" see https://example.org/{i}/notes）"
        if i % 11 == 0:
            line += " `https://code.example/ignored`"
        out.append(line + "  \n")
        if i % 2 == 0:
            token = "".join(rnd.choice(_TOKEN) for _ in range(22))
            out.append(f"Research on this paper [[Link](https://mp.weixin.qq.com/s/{token})]\n")
        if i % 5 == 0:
            href = f"https://example.com/f/{i}"
            out.append(f'  - Follow-up <a href="{href}">note</a> {title[:20]}\n')
    out.append("\n| Model | Top-1 | Paper |\n|---|---|---|\n")
    out.extend(f"| M{i} | {70 + i % 20}.1 | [pdf](https://x.org/{i}.pdf) |\n" for i in range(200))
    return "".join(out).encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = generate(args.entries)
    times: list[float] = []
    cpus: list[float] = []  # CPU time too: wall time is unreliable on a busy machine
    for run in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        doc = extract_text(data, "generated.md")
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        times.append(elapsed)
        cpus.append(cpu)
        print(
            f"run {run + 1}: {elapsed:.2f} s wall, {cpu:.2f} s CPU, {len(doc.links)} links, "
            f"{len(doc.entries)} entries"
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(
        f"input {len(data) / 1e6:.1f} MB, {args.entries} entries; "
        f"best {min(times):.2f} s wall / {min(cpus):.2f} s CPU, peak RSS {peak_mb:.0f} MB "
        f"(targets: ≤ 1 s, ≤ 200 MB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
