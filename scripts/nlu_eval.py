"""NLU report on the held-out split: intent accuracy and entity P/R/F1 per language.

    .venv-bot/bin/python scripts/nlu_eval.py [--model models/eseva.tar.gz]
        [--heldout tests/nlu] [--out results]

Parses every example of tests/nlu/heldout-<language>.yml with the trained model and
prints a table (also written to results/nlu-report.md and results/nlu-report.json).
An entity counts as found when its type, span and value all match the annotation.
A report, not a pass/fail test: the exit status is 0 whenever the report was written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "hi", "hi-Latn")
FALLBACK_INTENT = "nlu_fallback"

logger = logging.getLogger("nlu_eval")


@dataclass
class Tally:
    """Counts for one language (or all of them)."""

    examples: int = 0
    intent_correct: int = 0
    top_intent_correct: int = 0
    fallbacks: int = 0
    language_correct: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    parse_seconds: float = 0.0
    per_entity: dict[str, Counter] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add_entities(self, gold: set[tuple], predicted: set[tuple]) -> None:
        """Adds one example's entity matches, in total and per entity type."""
        for kind, items in (
            ("tp", gold & predicted),
            ("fp", predicted - gold),
            ("fn", gold - predicted),
        ):
            for item in items:
                self.per_entity.setdefault(item[0], Counter())[kind] += 1
        self.true_positives += len(gold & predicted)
        self.false_positives += len(predicted - gold)
        self.false_negatives += len(gold - predicted)

    def merge(self, other: Tally) -> None:
        """Adds another tally's counts to this one."""
        self.examples += other.examples
        self.intent_correct += other.intent_correct
        self.top_intent_correct += other.top_intent_correct
        self.fallbacks += other.fallbacks
        self.language_correct += other.language_correct
        self.true_positives += other.true_positives
        self.false_positives += other.false_positives
        self.false_negatives += other.false_negatives
        self.parse_seconds += other.parse_seconds
        for entity, counts in other.per_entity.items():
            self.per_entity.setdefault(entity, Counter()).update(counts)

    def summary(self) -> dict[str, Any]:
        """The figures of the report."""
        precision, recall, f1 = prf(
            self.true_positives, self.false_positives, self.false_negatives
        )
        return {
            "examples": self.examples,
            "intent_accuracy": ratio(self.intent_correct, self.examples),
            "top_intent_accuracy": ratio(self.top_intent_correct, self.examples),
            "fallback_rate": ratio(self.fallbacks, self.examples),
            "language_accuracy": ratio(self.language_correct, self.examples),
            "entity_precision": precision,
            "entity_recall": recall,
            "entity_f1": f1,
            "entities_annotated": self.true_positives + self.false_negatives,
            "mean_parse_ms": round(1000 * ratio(self.parse_seconds, self.examples), 1),
            "per_entity": {
                entity: dict(
                    zip(("precision", "recall", "f1"), prf(c["tp"], c["fp"], c["fn"]))
                )
                | {"support": c["tp"] + c["fn"]}
                for entity, c in sorted(self.per_entity.items())
            },
        }


def ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts."""
    precision = ratio(tp, tp + fp)
    recall = ratio(tp, tp + fn)
    f1 = ratio(2 * precision * recall, precision + recall)
    return precision, recall, f1


def top_intent(result: dict[str, Any]) -> str | None:
    """The classifier's best intent, before the fallback threshold is applied."""
    for candidate in result.get("intent_ranking") or []:
        if candidate.get("name") != FALLBACK_INTENT:
            return candidate.get("name")
    return None


def top_confidence(result: dict[str, Any]) -> float:
    """The confidence of the classifier's best intent."""
    for candidate in result.get("intent_ranking") or []:
        if candidate.get("name") != FALLBACK_INTENT:
            return round(float(candidate.get("confidence") or 0.0), 3)
    return 0.0


def entity_key(entity: dict[str, Any]) -> tuple:
    return (
        entity["entity"],
        entity["start"],
        entity["end"],
        str(entity.get("value", "")).casefold(),
    )


def load_examples(path: Path) -> list[Any]:
    """The held-out messages of one file (Rasa NLU YAML)."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    data = RasaYAMLReader().read(path)
    return [example for example in data.training_examples if example.get("text")]


async def evaluate(agent: Any, language: str, examples: list[Any]) -> Tally:
    """Parses each example and tallies the results."""
    tally = Tally()
    for example in examples:
        text = example.get("text")
        started = time.perf_counter()
        result = await agent.parse_message(text)
        tally.parse_seconds += time.perf_counter() - started

        expected = example.get("intent")
        predicted = (result.get("intent") or {}).get("name")
        tally.examples += 1
        tally.intent_correct += predicted == expected
        tally.top_intent_correct += top_intent(result) == expected
        tally.fallbacks += predicted == FALLBACK_INTENT
        tally.language_correct += result.get("language") == language

        gold = {entity_key(entity) for entity in example.get("entities") or []}
        found = {entity_key(entity) for entity in result.get("entities") or []}
        tally.add_entities(gold, found)
        if predicted != expected or gold != found:
            tally.errors.append(
                {
                    "text": text,
                    "expected_intent": expected,
                    "predicted_intent": predicted,
                    "top_intent": top_intent(result),
                    "top_confidence": top_confidence(result),
                    "missed_entities": sorted(map(list, gold - found)),
                    "extra_entities": sorted(map(list, found - gold)),
                }
            )
    return tally


def markdown(summaries: dict[str, dict[str, Any]], model: Path) -> str:
    """The report as a Markdown table."""
    lines = [
        f"# NLU report ({model.name}, held-out split)",
        "",
        "| language | examples | intent acc. | top intent acc. | fallback "
        "| entity P | entity R | entity F1 | entities | language acc. | parse ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, s in summaries.items():
        lines.append(
            f"| {name} | {s['examples']} | {s['intent_accuracy']:.3f} "
            f"| {s['top_intent_accuracy']:.3f} "
            f"| {s['fallback_rate']:.3f} | {s['entity_precision']:.3f} "
            f"| {s['entity_recall']:.3f} | {s['entity_f1']:.3f} "
            f"| {s['entities_annotated']} | {s['language_accuracy']:.3f} "
            f"| {s['mean_parse_ms']} |"
        )
    lines += [
        "",
        "| entity (all languages) | support | P | R | F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for entity, s in summaries["all"]["per_entity"].items():
        lines.append(
            f"| {entity} | {s['support']} | {s['precision']:.3f} "
            f"| {s['recall']:.3f} | {s['f1']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models/eseva.tar.gz")
    parser.add_argument("--heldout", type=Path, default=ROOT / "tests/nlu")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    if not args.model.is_file():
        logger.error("no model at %s: train it first (make model)", args.model)
        return 2
    files = {lang: args.heldout / f"heldout-{lang}.yml" for lang in LANGUAGES}
    missing = [str(path) for path in files.values() if not path.is_file()]
    if missing:
        logger.error("held-out files missing: %s", ", ".join(missing))
        return 2

    # The model names our components (bot.nlu....): import them from this checkout.
    sys.path.insert(0, str(ROOT))
    from rasa.core.agent import Agent

    logger.info("loading %s", args.model)
    agent = Agent.load(str(args.model))
    tallies = {
        lang: asyncio.run(evaluate(agent, lang, load_examples(path)))
        for lang, path in files.items()
    }
    overall = Tally()
    for tally in tallies.values():
        overall.merge(tally)
    summaries = {lang: tally.summary() for lang, tally in tallies.items()}
    summaries["all"] = overall.summary()

    report = markdown(summaries, args.model)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "nlu-report.md").write_text(report, encoding="utf-8")
    (args.out / "nlu-report.json").write_text(
        json.dumps(
            {
                "model": str(args.model),
                "summary": summaries,
                "errors": {lang: tally.errors for lang, tally in tallies.items()},
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(report)
    print(f"written: {args.out / 'nlu-report.md'}, {args.out / 'nlu-report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
