from wsgiref.simple_server import make_server


def app(environ, start_response):
    start_response("200 OK", [])
    return [b"shop"]


if __name__ == "__main__":
    make_server("0.0.0.0", 8000, app).serve_forever()
