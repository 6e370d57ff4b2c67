"""Territory balancing, visit scheduling and the periodic routing engine behind them."""
