"""Knowledge base: document ingestion and retrieval (Chroma + multilingual embedder).

The ingestion and search code arrives with the knowledge-base issue; the package exists so the layout in
SPEC.md holds and imports resolve.
"""
