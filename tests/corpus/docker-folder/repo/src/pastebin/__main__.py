from wsgiref.simple_server import make_server


def app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


make_server("0.0.0.0", 8080, app).serve_forever()
