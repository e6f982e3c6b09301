"""An ASGI app shaped like a FastAPI one, without the dependency."""

import json
import os


async def app(scope, receive, send):
    body = json.dumps({"status": "ok", "env": os.environ.get("ENVIRONMENT", "?")}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
