"""Agent tools: each a pure typed core function plus its pydantic argument model, registered in registry.py."""
