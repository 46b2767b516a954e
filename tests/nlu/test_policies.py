"""RememberingTEDPolicy (bot/policies.py): TED's own predictions, the model run once
per dialogue state it has not seen lately."""

from __future__ import annotations

import pytest
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.policies import RememberingTEDPolicy

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, complain, thank]
slots:
  urgent:
    type: bool
    mappings: [{type: custom}]
responses:
  utter_greet: [{text: "hello"}]
  utter_ask: [{text: "what happened?"}]
  utter_welcome: [{text: "welcome"}]
"""
)
STORIES = {
    "greet": [("greet", "utter_greet")],
    "complain": [("greet", "utter_greet"), ("complain", "utter_ask")],
    "thank": [("thank", "utter_welcome")],
}


def turns(pairs: list[tuple[str, str]]) -> list:
    events: list = [ActionExecuted("action_listen")]
    for intent, action in pairs:
        events += [
            UserUttered("...", {"name": intent, "confidence": 1.0}),
            ActionExecuted(action),
            ActionExecuted("action_listen"),
        ]
    return events


def tracker(pairs: list[tuple[str, str]], last_intent: str) -> DialogueStateTracker:
    events = turns(pairs)
    events.append(UserUttered("...", {"name": last_intent, "confidence": 1.0}))
    return DialogueStateTracker.from_events("citizen", events, slots=DOMAIN.slots)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> RememberingTEDPolicy:
    storage = LocalModelStorage(tmp_path_factory.mktemp("ted"))
    context = ExecutionContext(graph_schema=None, node_name="ted")
    config = {
        **RememberingTEDPolicy.get_default_config(),
        "epochs": 3,
        "random_seed": 1,
        "remember": 3,
    }
    policy = RememberingTEDPolicy.create(config, storage, Resource("ted"), context)
    trackers = [
        TrackerWithCachedStates.from_events(name, turns(pairs), domain=DOMAIN)
        for name, pairs in STORIES.items()
    ]
    policy.train(trackers, DOMAIN)
    return policy


@pytest.fixture
def policy(trained: RememberingTEDPolicy) -> RememberingTEDPolicy:
    trained._remembered.clear()
    trained.config["remember"] = 3
    trained.hits = trained.misses = 0
    return trained


def test_a_state_seen_again_gives_the_same_prediction_without_the_model(
    policy: RememberingTEDPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)

    def no_model(*args, **kwargs):
        raise AssertionError("the model ran for a state it had seen")

    monkeypatch.setattr(policy.model, "run_inference", no_model)
    # Another citizen, the same states: another sender, other words.
    other = tracker([], "greet")
    other.sender_id = "another-citizen"
    again = policy.predict_action_probabilities(other, DOMAIN)

    assert again.probabilities == first.probabilities
    assert again.policy_name == first.policy_name
    assert (policy.hits, policy.misses) == (1, 1)


def test_predictions_are_ted_s_own(policy: RememberingTEDPolicy) -> None:
    cases = [
        tracker([], "greet"),
        tracker([("greet", "utter_greet")], "complain"),
        tracker([], "thank"),
        tracker([], "greet"),  # remembered by now
    ]
    for case in cases:
        remembered = policy.predict_action_probabilities(case, DOMAIN)
        plain = TEDPolicy.predict_action_probabilities(policy, case, DOMAIN)
        assert remembered.probabilities == pytest.approx(plain.probabilities)
    assert policy.hits == 1


def test_other_states_are_other_predictions(policy: RememberingTEDPolicy) -> None:
    greet = policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)
    complain = policy.predict_action_probabilities(
        tracker([("greet", "utter_greet")], "complain"), DOMAIN
    )
    urgent = tracker([("greet", "utter_greet")], "complain")
    urgent.update(SlotSet("urgent", True))
    policy.predict_action_probabilities(urgent, DOMAIN)

    # A slot TED features is part of the state: the model ran for it too.
    assert policy.misses == 3 and policy.hits == 0
    assert greet.max_confidence_index != complain.max_confidence_index


def test_a_changed_prediction_does_not_change_the_remembered_one(
    policy: RememberingTEDPolicy,
) -> None:
    # The ensemble zeroes a rejected action in place in each policy's prediction.
    first = policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)
    expected = list(first.probabilities)
    first.probabilities[first.max_confidence_index] = 0.0
    second = policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)
    second.probabilities[0] = 42.0

    third = policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)
    assert third.probabilities == expected


def test_only_the_most_recent_states_are_kept(policy: RememberingTEDPolicy) -> None:
    trackers = {
        "greet": tracker([], "greet"),
        "thank": tracker([], "thank"),
        "complain": tracker([("greet", "utter_greet")], "complain"),
        "greet again": tracker([("greet", "utter_greet")], "greet"),
    }
    for case in trackers.values():
        policy.predict_action_probabilities(case, DOMAIN)
    assert len(policy._remembered) == 3  # `remember: 3`; the first one went

    policy.predict_action_probabilities(trackers["thank"], DOMAIN)
    policy.predict_action_probabilities(trackers["greet"], DOMAIN)
    assert (policy.hits, policy.misses) == (1, 5)


def test_remember_zero_runs_the_model_every_time(
    policy: RememberingTEDPolicy,
) -> None:
    policy.config["remember"] = 0
    for _ in range(2):
        policy.predict_action_probabilities(tracker([], "greet"), DOMAIN)
    assert policy._remembered == {} and policy.hits == 0


def test_the_project_s_ted_predicts_from_states() -> None:
    """Stories with the citizen's words (`user:`) would train TED end to end: every
    turn would then be new, and nothing would be remembered."""
    import yaml

    from .conftest import ROOT

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [policy["name"] for policy in config["policies"]]
    assert "bot.policies.RememberingTEDPolicy" in names and "TEDPolicy" not in names
    for path in ("data/stories.yml", "data/rules.yml"):
        data = yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))
        for flow in data.get("stories", []) + data.get("rules", []):
            for step in flow.get("steps", []):
                assert "user" not in step, (path, flow.get("story") or flow["rule"])
