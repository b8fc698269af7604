"""Deterministic compliance checks over sales text: policy packs, deal terms, rewrites."""
