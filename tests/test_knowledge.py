"""Knowledge base: parsing, chunking, ingestion (replace, skip, remove), ACLs, hybrid search and the tool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.service import CopilotService
from copilot.context import User
from copilot.directory import Directory
from copilot.settings import Settings
from knowledge.chunking import chunk_text
from knowledge.documents import Acl
from knowledge.ingest import ingest, prune_missing, remove
from knowledge.parsers import MAX_FILE_BYTES, UnreadableFile, read_file
from knowledge.search import KnowledgeBase
from knowledge.store import ChunkStore
from tests.fakes import FakeEmbedder, ScriptedChatModel, tool_call

REP = User(user_id="demo.rep", name_zh="演示销售", name_en="Demo Rep", role="rep", department="sales",
           regions=("east",), manager_id="demo.manager", discount_limit_pct=10.0)


def make_kb(tmp_path: Path) -> KnowledgeBase:
    embedder = FakeEmbedder()
    return KnowledgeBase(ChunkStore(path=tmp_path / "kb", embedder_name=embedder.name), embedder)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ---- parsing and chunking -----------------------------------------------------------------------------------

def test_markdown_front_matter_and_headings(tmp_path: Path) -> None:
    text, meta = read_file(write(tmp_path / "a.md", "---\nid: x\nacl: {roles: [manager]}\n---\n# T\nbody"))
    assert meta == {"id": "x", "acl": {"roles": ["manager"]}} and text == "# T\nbody"


def test_docx_pdf_html_csv_are_read(tmp_path: Path) -> None:
    import docx
    from pypdf import PdfWriter

    d = docx.Document()
    d.add_heading("退货政策", level=1)
    d.add_paragraph("KA客户30天内可退货。")
    d.save(str(tmp_path / "p.docx"))
    text, _ = read_file(tmp_path / "p.docx")
    assert text.startswith("# 退货政策") and "30天内可退货" in text

    html = "<html><head><title>Sheet</title><script>x()</script></head><body><h2>Specs</h2><p>500 ml</p></body>"
    text, _ = read_file(write(tmp_path / "s.html", html))
    assert "## Specs" in text and "500 ml" in text and "x()" not in text

    text, _ = read_file(write(tmp_path / "t.csv", "sku,price\nSH-01,39.9\n"))
    assert text == "sku: SH-01; price: 39.9"

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with (tmp_path / "blank.pdf").open("wb") as fh:
        writer.write(fh)
    with pytest.raises(UnreadableFile, match="no text"):
        read_file(tmp_path / "blank.pdf")


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("broken.pdf", b"%PDF-1.4 garbage", "corrupt"),
    ("broken.docx", b"PK\x03\x04 not a zip", "corrupt"),
    ("empty.md", b"", "empty"),
    ("image.png", b"\x89PNG", "unsupported"),
])
def test_unreadable_files_say_why(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFile, match=reason):
        read_file(path)


def test_huge_files_are_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(UnreadableFile, match="too large"):
        read_file(path)


def test_chunks_follow_headings_and_chinese_sentences() -> None:
    body = "美的集团华东仓库拣货效率低。" * 30
    chunks = chunk_text("d", f"# 案例\n## 背景\n{body}\n## 成果\n年节省120万元。", "美的案例", max_chars=200)
    assert [c.location for c in chunks][-1] == "案例 > 成果"
    assert all(len(c.text) <= 200 for c in chunks)
    # Every chunk ends at a sentence end: no sentence is cut in half.
    assert all(c.text.endswith("。") for c in chunks)
    assert chunks[-1].text == "美的案例 · 成果\n年节省120万元。"


# ---- ingestion --------------------------------------------------------------------------------------------------

def test_reingest_replaces_changed_files_and_skips_unchanged(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    docs = tmp_path / "docs"
    a = write(docs / "a.md", "# Returns\nKA customers may return goods within 30 days.")
    write(docs / "b.txt", "Warranty is two years.")
    write(docs / "bad.pdf", "not a pdf")
    first = ingest([docs], kb.store, kb.embedder)
    assert len(first.added) == 2 and [Path(p).name for p, _ in first.skipped] == ["bad.pdf"]
    count = kb.store.count()
    again = ingest([docs], kb.store, kb.embedder)
    assert len(again.unchanged) == 2 and kb.store.count() == count
    write(a, "# Returns\nKA customers may return goods within 45 days.")
    third = ingest([docs], kb.store, kb.embedder)
    assert len(third.updated) == 1 and kb.store.count() == count  # replaced, not duplicated
    texts = kb.store.all_chunks()[1]
    assert any("45 days" in t for t in texts) and not any("30 days" in t for t in texts)


def test_removed_and_deleted_files_leave_the_store(tmp_path: Path) -> None:
    kb = make_kb(tmp_path)
    a = write(tmp_path / "d" / "a.md", "# A\nalpha")
    b = write(tmp_path / "d" / "b.md", "# B\nbravo")
    ingest([a, b], kb.store, kb.embedder)
    assert remove([a], kb.store) == [str(a.resolve())]
    b.unlink()
    assert prune_missing(kb.store) == [str(b.resolve())] and kb.store.count() == 0


# ---- ACLs and search ----------------------------------------------------------------------------------------------

def test_acl_semantics() -> None:
    east_manager = REP.model_copy(update={"role": "manager"})
    acl = Acl.parse({"roles": ["manager", "admin"], "regions": ["east"]})
    assert not acl.allows(REP) and acl.allows(east_manager)
    assert not acl.allows(east_manager.model_copy(update={"regions": ("south",)}))
    assert acl.allows(east_manager.model_copy(update={"regions": ("*",)}))
    assert Acl.parse("public").allows(REP) and not Acl().allows(REP)


def test_no_user_ever_gets_a_restricted_chunk(demo_kb: KnowledgeBase, settings: Settings) -> None:
    """Every seeded user x every eval query: each returned chunk is readable by that user."""
    users = Directory(settings.ops_path).list_users()
    queries = [json.loads(line)["query"] for line in
               (Path(__file__).parent.parent / "evals/data/knowledge_queries.jsonl").read_text().splitlines()]
    _, _, metas = demo_kb.store.all_chunks()
    restricted = {m["doc_id"] for m in metas if not Acl.model_validate_json(m["acl"]).public}
    assert len(restricted) >= 10
    seen_restricted = 0
    for user in users:
        for query in queries:
            for hit in demo_kb.search(query, user, k=5, translated=""):
                assert Acl.model_validate_json(hit.metadata["acl"]).allows(user), (user.user_id, hit.doc_id)
                seen_restricted += hit.doc_id in restricted
    assert seen_restricted > 0  # the allowed users do get restricted documents


def test_the_store_filter_and_the_recheck_agree(demo_kb: KnowledgeBase, settings: Settings) -> None:
    _, _, metas = demo_kb.store.all_chunks()
    col = demo_kb.store._col
    for user in Directory(settings.ops_path).list_users():
        where = demo_kb.store.acl_filter(user)
        allowed = {m["doc_id"] for m in metas if Acl.model_validate_json(m["acl"]).allows(user)}
        got = col.get(where=where, include=["metadatas"]) if where else col.get(include=["metadatas"])
        assert {m["doc_id"] for m in got["metadatas"]} == allowed, user.user_id


def test_hybrid_search_finds_by_words_and_filters(demo_kb: KnowledgeBase) -> None:
    hits = demo_kb.search("医疗器械经销商 成功案例", REP, k=5, lang="zh", translated="")
    assert any("med" in h.doc_id or "sinopharm" in h.doc_id for h in hits)
    policies = demo_kb.search("return policy KA customers", REP, k=5, filters={"doc_type": "policy"}, translated="")
    assert policies and all(h.metadata["doc_type"] == "policy" for h in policies)
    assert demo_kb.search("   ", REP) == []


# ---- the tool through the agent ------------------------------------------------------------------------------------

@pytest.fixture
def kb_service(settings: Settings, fake_model: ScriptedChatModel, demo_kb: KnowledgeBase) -> CopilotService:
    service = CopilotService(settings, model=fake_model)
    service._knowledge = demo_kb
    return service


def test_answers_cite_title_and_location(kb_service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("search_knowledge", query="KA 客户 退货 政策", doc_type="policy")]
    reply = kb_service.ask("demo.rep", "KA客户的退货政策是什么？")
    assert reply.reply.startswith("找到") and "[1]" in reply.reply and "来源" in reply.reply
    assert reply.tool_calls[0].ok and reply.tool_calls[0].args["results"] >= 1


def test_nothing_relevant_is_said_plainly(kb_service: CopilotService, fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("search_knowledge", query="quantum chromodynamics lattice")]
    reply = kb_service.ask("demo.rep", "anything on quantum chromodynamics lattice?")
    assert reply.reply.startswith("Nothing in the knowledge base") and reply.tool_calls[0].args["results"] == 0


def test_a_restricted_document_is_not_found_for_a_rep(kb_service: CopilotService,
                                                       fake_model: ScriptedChatModel) -> None:
    fake_model.script = [tool_call("search_knowledge", query="竞品X 华东 投标价格区间")]
    reply = kb_service.ask("demo.rep", "竞品X上周在华东的投标价格区间?")
    assert "competitor-x-bid-prices-east" not in reply.reply
    fake_model.script = [tool_call("search_knowledge", query="竞品X 华东 投标价格区间")]
    manager = kb_service.ask("demo.manager", "竞品X上周在华东的投标价格区间?")
    assert "华东" in manager.reply and manager.tool_calls[0].args["results"] >= 1


def test_ingest_cli_reports_counts_and_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from copilot.cli import app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("knowledge.factory.build_embedder", lambda settings: FakeEmbedder())
    write(tmp_path / "in" / "a.md", "# A\nalpha")
    (tmp_path / "in" / "z.docx").write_bytes(b"PK\x03\x04 truncated")
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "in")])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "skipped" in result.output and "z.docx" in result.output


@pytest.mark.model
def test_sentence_transformers_backend_with_the_bundled_minilm(tmp_path: Path) -> None:
    from knowledge.embedder import SentenceTransformerEmbedder, bundled_minilm_path

    embedder = SentenceTransformerEmbedder(bundled_minilm_path())
    kb = KnowledgeBase(ChunkStore(path=tmp_path / "kb", embedder_name=embedder.name), embedder)
    write(tmp_path / "d" / "returns.md", "# Returns policy\nKey accounts may return unsold goods within 30 days.")
    write(tmp_path / "d" / "warranty.md", "# Warranty\nAll smart shelves carry a two-year warranty on parts.")
    ingest([tmp_path / "d"], kb.store, kb.embedder)
    hits = kb.search("how long is the guarantee on shelf hardware?", REP, k=1, translated="")
    assert embedder.dim == 384 and hits[0].title == "Warranty" and hits[0].distance is not None
