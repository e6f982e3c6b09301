import ticketing


def test_package_imports() -> None:
    assert ticketing.__doc__
