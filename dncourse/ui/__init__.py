"""What every lesson shares: figures, the widget kit and practice checks."""
