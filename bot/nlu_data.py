"""Reading the bot's NLU files (Rasa's YAML format) on the app side: training data, held-out data, synonyms.

Used by bench/nlu_eval.py and by the tests that keep the training and held-out sets apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

BOT_DIR = Path(__file__).resolve().parent
LANGUAGES = ("en", "pl", "es", "ru", "ar", "fa")
# [text](entity) or [text]{"entity": "...", ...}: Rasa's inline annotation.
_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<entity>[^)]+)\)|\{(?P<json>[^}]*)\})")
_ENTITY_IN_JSON = re.compile(r'"entity"\s*:\s*"([^"]+)"')


@dataclass(frozen=True)
class Entity:
    entity: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: tuple[Entity, ...]


def parse_example(annotated: str, intent: str) -> Example:
    """'is the [backpack](product) in stock' -> the plain text with its entities' spans."""
    text, entities, cursor = [], [], 0
    length = 0
    for match in _ANNOTATION.finditer(annotated):
        before = annotated[cursor:match.start()]
        text.append(before)
        length += len(before)
        entity = match.group("entity") or _json_entity(match.group("json"))
        value = match.group("text")
        entities.append(Entity(entity, value, length, length + len(value)))
        text.append(value)
        length += len(value)
        cursor = match.end()
    text.append(annotated[cursor:])
    return Example("".join(text).strip(), intent, tuple(entities))


def _json_entity(raw: str | None) -> str:
    found = _ENTITY_IN_JSON.search(raw or "")
    return found.group(1) if found else "?"


def _items(block: str | None) -> list[str]:
    lines = (line.strip() for line in (block or "").splitlines())
    return [line[2:].strip() for line in lines if line.startswith("- ")]


def load_examples(path: Path) -> list[Example]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in document.get("nlu") or []:
        if "intent" in item:
            examples.extend(parse_example(raw, item["intent"]) for raw in _items(item.get("examples")))
    return examples


def load_synonyms(path: Path) -> dict[str, str]:
    """Lowercased synonym text -> the value it maps to."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    synonyms = {}
    for item in document.get("nlu") or []:
        if "synonym" in item:
            for text in _items(item.get("examples")):
                synonyms[text.lower()] = item["synonym"]
    return synonyms


def training_file(language: str, bot_dir: Path = BOT_DIR) -> Path:
    """English is the original nlu.yml; every other language has its own file beside it."""
    return bot_dir / "data" / ("nlu.yml" if language == "en" else f"nlu_{language}.yml")


SPLITS = ("dev", "test")


def held_out_file(language: str, split: str = "test", bot_dir: Path = BOT_DIR) -> Path:
    """Held-out examples live outside data/, so `rasa train` never sees them.

    dev: the first held-out set; its errors guided how the training data was broadened.
    test: written afterwards by people who saw neither the training data nor dev; the reported figures.
    """
    return bot_dir / "eval" / split / f"nlu_{language}.yml"


def all_synonyms(bot_dir: Path = BOT_DIR) -> dict[str, str]:
    synonyms: dict[str, str] = {}
    for path in sorted((bot_dir / "data").glob("nlu*.yml")):
        synonyms.update(load_synonyms(path))
    return synonyms
