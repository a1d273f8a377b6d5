"""Briefly: news briefings at several lengths, and rewrites, from Hugging Face models."""

__version__ = "1.0.0"
