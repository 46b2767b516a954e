"""The durable outbox: complaints the backend could not take yet, one file each.

When the backend is down or too slow at submission, the complaint is written to
`ESEVA_OUTBOX_DIR` (a temporary file renamed into place, so a file is either whole or
absent). A background thread of the action server sends each one again with the same
idempotency key (so the backend creates it exactly once, however often it is sent),
records the reference in the file, hands the conversation to an officer when the
complaint was kept for that (an allegation of bribery, an accident), tells the citizen
through Rasa's HTTP API and only then deletes the file. A file lock keeps two workers
off the same complaint.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from actions.backend import OK, UNAVAILABLE, BackendClient
from actions.settings import Settings, load_settings

logger = logging.getLogger(__name__)

PENDING = "pending"
REGISTERED = "registered"
REGISTERED_INTENT = "EXTERNAL_complaint_registered"
NOTIFY_TIMEOUT_SECONDS = 3.0


class Outbox:
    """Complaint files in one directory, named by their idempotency key."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def put(self, entry: dict[str, Any]) -> Path:
        """Write an entry atomically (temp file, fsync, rename)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.path_for(entry["idempotency_key"])
        handle, temp_name = tempfile.mkstemp(
            dir=self.directory, prefix=".tmp-", suffix=".json"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as temp:
                json.dump(entry, temp, ensure_ascii=False)
                temp.flush()
                os.fsync(temp.fileno())
            os.replace(temp_name, target)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        return target

    def keys(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(
            path.stem
            for path in self.directory.glob("*.json")
            if not path.name.startswith(".")
        )

    def read(self, key: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.path_for(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except ValueError:
            logger.error("outbox entry %s is unreadable; moved aside", key)
            self._move(key, "unreadable")
            return None

    def remove(self, key: str) -> None:
        self.path_for(key).unlink(missing_ok=True)

    def set_aside(self, key: str) -> None:
        """Move an entry the backend refuses for good to `failed/` for an officer."""
        self._move(key, "failed")

    def _move(self, key: str, folder: str) -> None:
        target = self.directory / folder
        target.mkdir(parents=True, exist_ok=True)
        source = self.path_for(key)
        if source.exists():
            os.replace(source, target / source.name)

    @contextmanager
    def claim(self, key: str) -> Iterator[bool]:
        """Hold the entry's lock while the block runs; yields False if held elsewhere."""
        self.directory.mkdir(parents=True, exist_ok=True)
        lock_path = self.directory / f".{key}.lock"
        with open(lock_path, "a") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                if not self.path_for(key).exists():
                    lock_path.unlink(missing_ok=True)
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def notify_registered(
    settings: Settings, session: requests.Session, sender_id: str, reference: str
) -> bool:
    """Tell the citizen their reference via Rasa's trigger_intent; True on success."""
    url = (
        f"{settings.rasa_url}/conversations/{quote(sender_id, safe='')}"
        "/trigger_intent"
    )
    params = {"output_channel": "latest", "token": settings.rasa_token}
    body = {"name": REGISTERED_INTENT, "entities": {"reference": reference}}
    try:
        response = session.post(
            url, params=params, json=body, timeout=NOTIFY_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        logger.warning(
            "telling the citizen of %s failed: %s", reference, type(error).__name__
        )
        return False
    if not 200 <= response.status_code < 300:
        logger.warning(
            "telling the citizen of %s failed: Rasa answered %d",
            reference,
            response.status_code,
        )
        return False
    return True


class OutboxWorker:
    """Delivers outbox entries; `run_once` is one pass, `start` runs it forever."""

    def __init__(
        self,
        settings: Settings | None = None,
        client: BackendClient | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.settings = settings or load_settings()
        self.outbox = Outbox(self.settings.outbox_dir)
        self.client = client or BackendClient(self.settings)
        self.session = session or requests.Session()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Try every entry once; returns how many were finished (delivered and told)."""
        finished = 0
        for key in self.outbox.keys():
            with self.outbox.claim(key) as claimed:
                if claimed and self._deliver(key):
                    finished += 1
        return finished

    def _deliver(self, key: str) -> bool:
        entry = self.outbox.read(key)
        if entry is None:
            return False

        if entry.get("state") != REGISTERED:
            reply = self.client.create_complaint(entry["body"], key)
            if reply.outcome == UNAVAILABLE:
                entry["attempts"] = int(entry.get("attempts", 0)) + 1
                self.outbox.put(entry)
                return False
            if reply.outcome != OK:
                logger.error(
                    "outbox entry %s refused by the backend (%s); set aside",
                    key,
                    reply.status,
                )
                self.outbox.set_aside(key)
                return False
            entry["state"] = REGISTERED
            entry["reference"] = reply.data.get("duplicate_of") or reply.data.get(
                "reference"
            )
            self.outbox.put(entry)
            logger.info("outbox entry %s registered as %s", key, entry["reference"])

        if entry.get("handoff") and not entry.get("handed_over"):
            if not self._hand_over(key, entry):
                return False

        told = notify_registered(
            self.settings, self.session, entry["sender_id"], entry["reference"]
        )
        if not told:
            return False
        self.outbox.remove(key)
        logger.info("citizen told of %s; outbox entry %s done", entry["reference"], key)
        return True

    def _hand_over(self, key: str, entry: dict[str, Any]) -> bool:
        """The handoff a complaint was kept for (an allegation, an accident), now
        with its reference; False to try again on the next pass."""
        body = {**entry["handoff"], "complaint_reference": entry["reference"]}
        reply = self.client.create_handoff(body)
        if reply.outcome == UNAVAILABLE:
            return False
        if reply.outcome == OK:
            logger.info(
                "outbox entry %s: %s handed to an officer (handoff %s, %s)",
                key, entry["reference"], reply.data.get("id"), body.get("reason"),
            )  # fmt: skip
        else:
            logger.error(
                "outbox entry %s: handoff refused by the backend (%s)",
                key,
                reply.status,
            )
        entry["handed_over"] = True
        self.outbox.put(entry)
        return True

    def start(self) -> threading.Thread:
        if self._thread and self._thread.is_alive():
            return self._thread
        self._thread = threading.Thread(
            target=self._loop, name="outbox-worker", daemon=True
        )
        self._thread.start()
        return self._thread

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        logger.info("outbox worker watching %s", self.outbox.directory)
        while not self._stop.wait(self.settings.outbox_interval):
            try:
                self.run_once()
            except Exception:  # a bad pass must not end the worker
                logger.exception("outbox pass failed")
                time.sleep(self.settings.outbox_interval)


_worker: OutboxWorker | None = None
_worker_lock = threading.Lock()


def ensure_worker() -> OutboxWorker | None:
    """Start this process's worker once, unless ESEVA_OUTBOX_WORKER turns it off."""
    global _worker
    settings = load_settings()
    if not settings.outbox_worker:
        return None
    with _worker_lock:
        if _worker is None:
            _worker = OutboxWorker(settings)
            _worker.start()
    return _worker
