"""A WSGI app with a create_app factory, the way Flask apps are laid out."""

import os


def create_app():
    secret = os.environ["SECRET_KEY"]

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"blog" if secret else b""]

    return app
