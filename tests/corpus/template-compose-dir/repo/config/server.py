from wsgiref.simple_server import make_server


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"bookshelf"]


if __name__ == "__main__":
    make_server("0.0.0.0", 8000, application).serve_forever()
