"""Returning a conversation to the bot: one path for the API and the console.

The bot must be running to take the conversation back, so Rasa is asked first; when
it does not answer the handoff stays with the officer (503 `bot_not_running`).
Otherwise the handoff becomes `returned` with a system message in its log, and the
resumed bot greets the citizen through their channel with what it had collected. A
greeting that fails leaves the handoff returned (the bot answers the citizen's next
message) and is reported to the caller, who tells the officer.
"""

from __future__ import annotations

import logging

from eseva import handoffs
from eseva.auth import Principal
from eseva.db import Database
from eseva.errors import ApiError
from eseva.logs import log_state_change
from eseva.rasa import RETURNED_INTENT, RasaClient, RasaUnavailable

logger = logging.getLogger(__name__)

RETURNED_NOTE = "returned to the bot"


def bot_not_running() -> ApiError:
    return ApiError(
        503,
        "bot_not_running",
        "The bot is not running, so the conversation cannot go back to it now. "
        "It stays with you; try again later or close it.",
    )


def return_to_bot(
    db: Database, rasa: RasaClient, handoff_id: int, principal: Principal
) -> bool:
    """assigned -> returned, then the bot's greeting; True when the bot greeted.

    Raises the 404/403/409 of the handoff table first (nothing to return), then the
    503 when Rasa is not running; in both cases nothing has changed.
    """
    with db.reading() as session:
        handoffs.check(session, handoff_id, "return", principal)
    if not rasa.is_running():
        logger.warning("handoff %s not returned: the bot is not running", handoff_id)
        raise bot_not_running()
    with db.writing() as session:
        handoff = handoffs.act(session, handoff_id, "return", principal)
        handoffs.add_message(session, handoff, "system", RETURNED_NOTE)
        sender_id = handoff.sender_id
    log_state_change(
        "handoff", str(handoff_id), "assigned", "returned", principal.actor
    )
    try:
        rasa.hand_back(sender_id, RETURNED_INTENT)
    except RasaUnavailable as failure:
        logger.error(
            "handoff %s returned; the bot could not greet the citizen: %s",
            handoff_id,
            failure,
        )
        return False
    return True
