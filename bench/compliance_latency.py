"""Deterministic compliance pass: latency per 1,000 characters (p50/p95) on the labelled snippets.

Texts are built by concatenating eval snippets up to 1,000 characters (realistic mix of findings and clean text);
the baseline in the same run is a bare PII scan, to show what the rules add on top of the validators. The learned
claim pass (bundled embedder, one thread) is timed on its own, on the same texts and on one chat-sized snippet.
Last, adversarial texts at the size limit (rules only): runs of quotes and of quoted mentions with no full stop,
which once made the mention scan quadratic (a run of 8,000 characters of quotes took 14 s).
"""

from __future__ import annotations

import statistics
import time

from copilot.pii import find_pii
from evals.compliance import DEV, load_snippets
from tools.compliance.engine import MAX_CHARS, Asker, Checker
from tools.compliance.packs import load_checker


def texts_of(size: int = 1000) -> list[str]:
    snippets = [s.text for s in load_snippets(DEV)]
    out, current = [], ""
    for i in range(len(snippets) * 3):
        current += snippets[(i * 7) % len(snippets)] + "\n"
        if len(current) >= size:
            out.append(current[:size])
            current = ""
    return out


def timed(fn, texts: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> None:
    started = time.perf_counter()
    checker = load_checker(None)
    load_ms = (time.perf_counter() - started) * 1000
    asker = Asker(discount_limit_pct=10.0, approver="manager")
    texts = texts_of()
    timed(lambda t: checker.check(t, asker), texts[:20])  # warm regex caches
    full = timed(lambda t: checker.check(t, asker), texts)
    pii = timed(find_pii, texts)
    q = statistics.quantiles
    print(f"packs load + self-test   {load_ms:8.1f} ms")
    print(f"texts                    {len(texts):8d} x 1,000 chars")
    print(f"full check   p50 / p95   {statistics.median(full):8.2f} / {q(full, n=20)[18]:.2f} ms  (target p95 < 50 ms)")
    print(f"PII scan     p50 / p95   {statistics.median(pii):8.2f} / {q(pii, n=20)[18]:.2f} ms  (baseline)")
    print(f"full / PII-only (p50)    {statistics.median(full) / statistics.median(pii):8.2f} x")
    learned = load_checker(None, claims=True)
    learned.check(texts[0], asker)  # loads the embedder
    with_model = timed(lambda t: learned.check(t, asker), texts[:30])
    chat = [s.text for s in load_snippets(DEV)][:60]
    chat_model = timed(lambda t: learned.check(t, asker), chat)
    print(f"+ claim pass p50 / p95   {statistics.median(with_model):8.2f} / {q(with_model, n=20)[18]:.2f} ms per 1,000 "
          f"chars ({statistics.median(with_model) / statistics.median(full):.0f}x the rules)")
    print(f"+ claim pass, one snippet p50 / p95 {statistics.median(chat_model):.2f} / {q(chat_model, n=20)[18]:.2f} ms "
          f"(mean {statistics.mean(len(t) for t in chat):.0f} chars)")
    worst_cases(checker, asker)


def worst_cases(checker: Checker, asker: Asker) -> None:
    for name, unit in [("quotes", "“最好”"), ("mentions", "删掉“最好”,"), ("third party", "客户说“最好”,"),
                       ("english", "the customer said 'the best' and "), ("plain", "我们是全网最低价的供应商。")]:
        text = (unit * (MAX_CHARS // len(unit) + 1))[:MAX_CHARS]
        start = time.perf_counter()
        found = checker.check(text, asker)
        print(f"worst case {name:<12} {time.perf_counter() - start:8.2f} s for {len(text):,} chars "
              f"({len(found):,} findings)")


if __name__ == "__main__":
    main()
