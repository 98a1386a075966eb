"""MedNER Studio engine: data, models, training, inference and evaluation.

This package never imports Streamlit or the database layer (see ../shared/DESIGN.md).

Importing it puts the Hugging Face libraries in offline mode (clinical notes never leave the
machine, and nothing is fetched behind the user's back) unless ``MEDNER_ALLOW_DOWNLOAD=1``: those
libraries read these variables once, when first imported, and every engine module that uses them
is imported after this package.
"""

import os

__version__ = "0.1.0"

#: Set (unless already set) when downloads are not allowed.
OFFLINE_VARIABLES = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}

if os.environ.get("MEDNER_ALLOW_DOWNLOAD", "") != "1":
    for _name, _value in OFFLINE_VARIABLES.items():
        os.environ.setdefault(_name, _value)
