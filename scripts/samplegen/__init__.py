"""Synthetic sample generation (scanned-looking disclosures with ground truth)."""
