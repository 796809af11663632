"""Gradio's upload route, bounded: one policy file per request, at most the size of a policy.

Gradio checks each uploaded file against `max_file_size` but takes any number of files in one
request, and takes them even when the app offers no upload form. This ASGI middleware refuses
(413) a request to the upload route whose body is over the limit or that holds more than one file,
and every upload (403) when uploads are off; the body is read up to the limit and no further.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

UPLOAD_ROUTE = "/gradio_api/upload"
# Room for the multipart headers around the file.
ENVELOPE = 64 * 1024

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


def boundary_of(content_type: str) -> bytes | None:
    """The multipart boundary named in a Content-Type header.

    >>> boundary_of('multipart/form-data; boundary="abc"'), boundary_of("text/plain")
    (b'abc', None)
    """
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"').encode("latin-1")
    return None


def files_in(body: bytes, boundary: bytes) -> int:
    """How many parts of a multipart `body` carry a file (a filename in their headers).

    >>> body = b'--b\\r\\nContent-Disposition: form-data; name="files"; filename="a.md"\\r\\n\\r\\nhi\\r\\n--b--'
    >>> files_in(body, b"b")
    1
    """
    count = 0
    for part in body.split(b"--" + boundary):
        headers = part[: part.find(b"\r\n\r\n")] if b"\r\n\r\n" in part else b""
        count += b"filename=" in headers.lower()
    return count


class UploadLimits:
    """ASGI middleware: the upload route takes one file of at most `max_bytes`, or nothing when `allowed` is off."""

    def __init__(
        self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, max_bytes: int, allowed: bool
    ) -> None:
        self.app = app
        self.limit = max_bytes + ENVELOPE
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", "")).rstrip("/")
        if scope.get("type") != "http" or scope.get("method") != "POST" or not path.endswith(UPLOAD_ROUTE):
            await self.app(scope, receive, send)
            return
        if not self.allowed:
            await _refuse(send, 403, "uploads are turned off on this server")
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.limit:
            await _refuse(send, 413, "a policy file may be at most 2 MB; upload one file at a time")
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body"))
            if sum(map(len, chunks)) > self.limit:
                await _refuse(send, 413, "a policy file may be at most 2 MB; upload one file at a time")
                return
        body = b"".join(chunks)
        boundary = boundary_of(headers.get(b"content-type", b"").decode("latin-1"))
        if boundary is not None and files_in(body, boundary) > 1:
            await _refuse(send, 413, "upload one policy file at a time")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
