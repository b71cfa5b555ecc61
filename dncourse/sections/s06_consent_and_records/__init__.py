"""Section 6: consent, communication and records."""
