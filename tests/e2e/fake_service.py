"""A stand-in service for the stack library's own tests.

    python fake_service.py PORT MODE

MODE: `healthy` answers 200 on every path; `sick` answers 503; `crash` prints a
line and exits with code 3; `stubborn` is healthy and ignores SIGTERM.
"""

from __future__ import annotations

import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


def main(port: int, mode: str) -> None:
    print(f"fake service starting in mode {mode}", flush=True)
    if mode == "crash":
        print("fatal: cannot load the model", flush=True)
        sys.exit(3)
    if mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    status = 503 if mode == "sick" else 200

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
