from wsgiref.simple_server import make_server


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"recipes\n"]


make_server("0.0.0.0", 5000, app).serve_forever()
