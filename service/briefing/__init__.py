"""Briefings and rewrites: the pipeline, length and style tables, modes, prompts."""
