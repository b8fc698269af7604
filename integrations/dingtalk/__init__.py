"""DingTalk robot: signed HTTP callbacks or Stream mode in, markdown replies out (session webhook or OpenAPI)."""
