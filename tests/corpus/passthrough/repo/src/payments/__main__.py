import os
from wsgiref.simple_server import make_server


def app(environ, start_response):
    ok = bool(os.environ.get("PAYMENTS_API_KEY"))
    start_response("200 OK" if ok else "503 Service Unavailable", [])
    return [b""]


make_server("0.0.0.0", 9000, app).serve_forever()
