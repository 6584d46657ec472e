"""Human review of extracted tables: a durable correction store, a local web queue, XLSX round-trip.

Corrections live in ``OUT/review.sqlite`` and are applied to the extracted documents when they are read
(:func:`pipeline.review.corrections.apply_to_document`); the extracted JSON stays the machine reading.
"""
