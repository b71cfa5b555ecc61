"""Section 5: safe practice, and what to do when something goes wrong."""
