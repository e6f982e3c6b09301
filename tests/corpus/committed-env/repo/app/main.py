"""Field notes API: FastAPI-shaped settings, stdlib server."""

import os
from wsgiref.simple_server import make_server

SECRET_KEY = os.environ["SECRET_KEY"]


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b'{"status": "ok"}']


if __name__ == "__main__":
    make_server("0.0.0.0", 8000, app).serve_forever()
