"""Page images in the frame the output's bboxes refer to (used by the review UI for crops)."""
from __future__ import annotations

import numpy as np

from .ingest import render_page


def page_image(source_file: str, page_number: int, dpi: int, skew: float, rotation: int = 0) -> np.ndarray:
    """Render ``page_number`` of ``source_file`` at ``dpi`` and apply the same quarter turn (``pages[].rotation``)
    and deskew as the pipeline."""
    image = render_page(source_file, page_number, dpi, rotation)
    if abs(skew) > 1e-6:
        from .preprocess import rotate_image

        image = rotate_image(image, skew)
    return image
