import ledger


def test_doc() -> None:
    assert ledger.__doc__
