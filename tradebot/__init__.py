"""tradebot: international trade figures with their sources, for Discord and the terminal."""

__version__ = "0.1.0"
