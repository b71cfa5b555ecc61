"""Section 2: the benefits and the evidence behind them."""
