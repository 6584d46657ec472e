"""disclosure: scanned and born-digital Chinese government disclosures (部门决算/预算) to validated data."""
__version__ = "0.2.0.dev0"
