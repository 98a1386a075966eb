"""MedNER Studio engine: data, models, training, inference and evaluation.

This package never imports Streamlit or the database layer (see ../shared/DESIGN.md).
"""

__version__ = "0.1.0"
