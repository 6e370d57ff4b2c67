"""Territory Desktop: offline field sales territory planning."""

__version__ = "0.1.0"
