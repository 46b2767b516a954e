"""Dialogue policies of our own: TED with its predictions remembered per state.

TED predicts the next action from the last few dialogue states (intents, entities
present, featurized slots, the active form, the previous action), not from the
citizen's words, unless it is trained end to end, which ours is not. The same states
then always give the same prediction, and a complaint conversation goes through the
same few states again and again: the same form turn, the same confirmation. Running
TensorFlow for each of them was the largest single cost of a turn (docs/running.md,
"Benchmark"), so the policy keeps its recent predictions by state and runs the model only
for states it has not seen lately. The prediction is the one TED makes: only how often
the model runs changes.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

logger = logging.getLogger(__name__)

REMEMBER = "remember"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class RememberingTEDPolicy(TEDPolicy):
    """TEDPolicy that runs its model once per dialogue state it has not seen lately.

    `remember` (default 4096) is how many states' predictions are kept, the least
    recently used dropped first; 0 runs the model every time, as TED does.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**TEDPolicy.get_default_config(), REMEMBER: 4096}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._remembered: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _predicts_from_states(self) -> bool:
        """False when the citizen's words are features: each turn is then new."""
        return not self.only_e2e and TEXT not in getattr(self, "fake_features", {})

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """TED's prediction for the tracker's last states (see TEDPolicy)."""
        limit = int(self.config.get(REMEMBER) or 0)
        if self.model is None or limit <= 0 or not self._predicts_from_states():
            return super().predict_action_probabilities(
                tracker, domain, rule_only_data, precomputations, **kwargs
            )

        key = self._state_key(tracker, domain, rule_only_data)
        remembered = self._remembered.get(key)
        if remembered is not None:
            self._remembered.move_to_end(key)
            self.hits += 1
            return self._prediction(
                list(remembered["probabilities"]),
                is_end_to_end_prediction=remembered["is_end_to_end_prediction"],
                diagnostic_data=remembered["diagnostic_data"],
            )

        self.misses += 1
        prediction = super().predict_action_probabilities(
            tracker, domain, rule_only_data, precomputations, **kwargs
        )
        if prediction.optional_events:
            return prediction  # entities from the words: not a function of states
        self._remembered[key] = {
            "probabilities": tuple(prediction.probabilities),
            "is_end_to_end_prediction": prediction.is_end_to_end_prediction,
            "diagnostic_data": prediction.diagnostic_data,
        }
        while len(self._remembered) > limit:
            self._remembered.popitem(last=False)
        return prediction

    def _state_key(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None,
    ) -> str:
        """The states TED featurizes for this tracker, as one string."""
        states = self._prediction_states(tracker, domain, rule_only_data=rule_only_data)
        return json.dumps(states, sort_keys=True, ensure_ascii=False)
