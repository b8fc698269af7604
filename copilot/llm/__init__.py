"""LLM access: the single factory (`build_chat_model`) and the embedded model server."""
