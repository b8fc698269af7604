"""The web console served at `/` by `copilot serve`."""
