"""`python -m benchmarks.table RUN.txt ...`: the page lines of `itrac bench` output as a
Markdown table (warm and cold side by side, per page and scope), for the README."""

from __future__ import annotations

import sys
from pathlib import Path


def parse(text: str) -> list[dict[str, str]]:
    return [
        dict(p.split("=", 1) for p in line.split()) for line in text.splitlines() if "=" in line
    ]


def page_table(rows: list[dict[str, str]]) -> str:
    pages = {}
    for row in rows:
        if row.get("bench") == "page":
            pages.setdefault((row["scope"], row["page"]), {})[row["kind"]] = row
    out = [
        "| scope | page | queries | warm p50 ms | warm p95 ms | target | cold p50 ms "
        "| cold p95 ms | x floor | pandas / ours |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (scope, page), kinds in pages.items():
        warm, cold = kinds.get("warm", {}), kinds.get("cold", {})
        out.append(
            f"| {scope} | {page} | {warm.get('queries', '')} | {warm.get('p50_ms', '')} "
            f"| {warm.get('p95_ms', '')} | {float(warm.get('target_ms', 0)):.0f} "
            f"| {cold.get('p50_ms', '')} | {cold.get('p95_ms', '')} "
            f"| {warm.get('ratio_to_floor', '')} | {warm.get('ratio_to_pandas', '')} |"
        )
    return "\n".join(out)


def main(paths: list[str]) -> None:
    rows = [row for path in paths for row in parse(Path(path).read_text())]
    print(page_table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
