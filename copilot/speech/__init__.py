"""Speech to text for voice requests: bundled Whisper models, audio checks, transcription, clean-up."""
