def test_the_studys_published_figures_are_kept_as_published():
    from engine.scores import study

    assert study.OVERALL["BERT-CRF"] == (0.842, 0.834, 0.837, 0.974)
    assert study.PER_LABEL["SamBD"]["TransformerCRF"]["ADE"] == 0.307
    rows = study.per_label_rows()
    assert len(rows) == 6 and all(name.endswith(f"({study.MARK})") for name in rows)
    assert all(row["model"].endswith(f"({study.MARK})") for row in study.overall_rows())
