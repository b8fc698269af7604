"""The agent: a LangGraph tool-calling loop with per-conversation memory, and the service around it."""
