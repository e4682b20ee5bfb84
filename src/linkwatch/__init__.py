"""linkwatch: keeps curated awesome lists healthy."""

__version__ = "0.1.0"
