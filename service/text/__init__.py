"""Text handling: segmentation, extraction, verification, web-page extraction (no model code)."""
