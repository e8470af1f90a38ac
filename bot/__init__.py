"""Shop chat assistant: Rasa project files, custom actions and the live-chat bridge."""
