import recipes


def test_docstring() -> None:
    assert "Recipes" in (recipes.__doc__ or "")
