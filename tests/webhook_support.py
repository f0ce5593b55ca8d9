"""A local webhook receiver for tests: an HTTP server on 127.0.0.1 that records what arrives and can fail on purpose."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """Records each POST (headers, raw body); answers 500 to the first `fail_first` ones (or all with fail_all)."""

    def __init__(self, fail_first: int = 0, fail_all: bool = False):
        self.fail_first, self.fail_all = fail_first, fail_all
        self.requests: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                owner.requests.append({"headers": dict(self.headers), "raw": raw, "path": self.path})
                failing = owner.fail_all or len(owner.requests) <= owner.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()
                self.wfile.write(b"boom" if failing else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Where the receiver listens."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def bodies(self) -> list[dict]:
        """The JSON bodies received, in order."""
        return [json.loads(r["raw"]) for r in self.requests]

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, request: dict) -> bool:
    """Check X-Mall-Signature the way the README tells receivers to."""
    parts = dict(item.split("=", 1) for item in request["headers"]["X-Mall-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["raw"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])
