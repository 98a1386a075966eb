"""What a page does with one note's spans: the medication list (``medications``), hand editing
and its clock (``editing``), downloads (``export``), and the review order and agreement between
annotators (``review``)."""
