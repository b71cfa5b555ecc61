"""Section 3: who should, and who should not, be needled."""
