"""Daily sales and check-in digests and the analytics rollup behind them."""
