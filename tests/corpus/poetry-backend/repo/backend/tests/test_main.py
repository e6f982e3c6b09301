from app import main


def test_app_is_callable() -> None:
    assert callable(main.app)
