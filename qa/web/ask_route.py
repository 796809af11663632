"""The `/ask` API with its later values optional: `{"data": ["question"]}` is `["question", k, null]`.

Gradio fills a missing value only in its own client; a raw call (`curl .../gradio_api/call/ask`) with
fewer values than the function takes fails inside Gradio with an empty error. This ASGI middleware
fills the values a caller left out with the defaults before Gradio sees the request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

ASK_ROUTES = ("/gradio_api/call/ask", "/gradio_api/run/ask")
# A body larger than this is passed on untouched (Gradio answers it); a question is far smaller.
MAX_BODY = 64 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def padded(body: bytes, defaults: Sequence[object]) -> bytes:
    """`body` with its JSON `data` list extended by the `defaults` it lacks; any other body as it is.

    >>> padded(b'{"data": ["Do you use cookies?"]}', ["q", 5, None])
    b'{"data": ["Do you use cookies?", 5, null]}'
    >>> padded(b'not json', ["q", 5, None])
    b'not json'
    """
    try:
        request = json.loads(body)
    except ValueError:
        return body
    data = request.get("data") if isinstance(request, dict) else None
    if not isinstance(data, list) or not 0 < len(data) < len(defaults):
        return body
    request["data"] = [*data, *defaults[len(data) :]]
    return json.dumps(request).encode()


class AskDefaults:
    """ASGI middleware: requests to `ASK_ROUTES` get their missing values from `defaults`."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, defaults: Sequence[object]) -> None:
        self.app = app
        self.defaults = list(defaults)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope.get("type") != "http" or scope.get("method") != "POST" or not path.endswith(ASK_ROUTES):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        rest = True
        while rest and sum(map(len, chunks)) <= MAX_BODY:
            message = await receive()
            chunks.append(message.get("body", b""))
            rest = bool(message.get("more_body"))
        body = b"".join(chunks)
        # subtle: a body over the cap is passed on as it came, its remainder still to come from `receive`.
        headers = list(scope.get("headers", []))
        if not rest:
            body = padded(body, self.defaults)
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": rest}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)
