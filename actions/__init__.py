"""The action server's custom actions (rasa-sdk): the complaint form, submission with
its outbox, status, handoff and the conversation around them.

Importing the package (as `rasa run actions` does) starts the outbox worker unless
ESEVA_OUTBOX_WORKER=0.
"""

from actions.outbox import ensure_worker

ensure_worker()
