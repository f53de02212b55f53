"""govflow."""
