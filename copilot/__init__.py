"""Sales Copilot: core package (settings, errors, CLI, LLM factory, demo company)."""

__version__ = "0.1.0"
