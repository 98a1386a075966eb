"""Reading, tokenizing, tagging, splitting and generating clinical notes."""
