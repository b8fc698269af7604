"""Evaluation suites for the agent (answer quality, tool choice, grounding); see README "Benchmarks"."""
