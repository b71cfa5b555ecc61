"""Section 1: what dry needling is, and is not."""
