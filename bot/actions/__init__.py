"""Custom actions for the shop assistant (run with `rasa run actions --actions actions`)."""
