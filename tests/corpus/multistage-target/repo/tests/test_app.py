from app.main import app


def test_app() -> None:
    assert app
