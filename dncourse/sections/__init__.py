"""Each section's own widgets and plots, one package per section."""
