"""The engine: loads models once, admits requests, runs briefings, rewrites and batches (no Flask, no torch at import)."""
