"""Section 4: risks and adverse events, in numbers."""
