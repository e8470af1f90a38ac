"""The bot's data in six languages: every intent trained in each, held-out examples kept apart from training,
products mapped to catalog names, and every response said in every language with the same placeholders."""

from __future__ import annotations

import re
import unicodedata

import pytest
import yaml

from bot.nlu_data import BOT_DIR, LANGUAGES, SPLITS, Entity, all_synonyms, held_out_file, load_examples, parse_example, training_file

TYPED_INTENTS = {
    "greet", "goodbye", "thanks", "affirm", "deny", "order_status", "inform", "shipping_info", "return_policy",
    "payment_methods", "product_availability", "discount_request", "human_handoff", "complaint", "out_of_scope",
}
CATALOG = {"merino wool sweater", "leather backpack", "ceramic coffee mug", "trail running shoes", "wool scarf",
           "organic cotton t-shirt"}
MIN_TRAINING = 15
MIN_HELD_OUT = 10


def normalized(text: str) -> str:
    """What makes two messages "the same" to a model: case, punctuation and spacing aside."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def test_annotations_become_plain_text_with_entity_spans():
    example = parse_example("is the [leather backpack](product) there, order [#1002](order_number)?", "x")
    assert example.text == "is the leather backpack there, order #1002?"
    assert example.entities == (Entity("product", "leather backpack", 7, 23), Entity("order_number", "#1002", 37, 42))
    assert example.text[7:23] == "leather backpack"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_intent_is_trained_in_every_language(language):
    examples = load_examples(training_file(language))
    counts = {intent: sum(1 for e in examples if e.intent == intent) for intent in TYPED_INTENTS}
    assert {i: n for i, n in counts.items() if n < MIN_TRAINING} == {}


@pytest.mark.parametrize("split", SPLITS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_held_out_examples_cover_every_intent_and_were_never_trained_on(language, split):
    held_out = load_examples(held_out_file(language, split))
    counts = {intent: sum(1 for e in held_out if e.intent == intent) for intent in TYPED_INTENTS}
    assert {i: n for i, n in counts.items() if n < MIN_HELD_OUT} == {}
    trained = {normalized(e.text) for path in (BOT_DIR / "data").glob("nlu*.yml") for e in load_examples(path)}
    leaked = [e.text for e in held_out if normalized(e.text) in trained]
    assert leaked == []


def test_held_out_files_are_not_training_data():
    # rasa train reads data/; the held-out set must live elsewhere.
    assert not list((BOT_DIR / "data").rglob("*eval*"))
    assert all(held_out_file(lang, split).parent.parent.name == "eval" for lang in LANGUAGES for split in SPLITS)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_product_named_in_the_examples_maps_to_a_catalog_name(language):
    synonyms = all_synonyms()
    named = {ent.text.lower() for path in (training_file(language), *(held_out_file(language, split) for split in SPLITS))
             for e in load_examples(path) for ent in e.entities if ent.entity == "product"}
    unmapped = sorted(t for t in named if t not in CATALOG and synonyms.get(t, "").lower() not in CATALOG)
    assert unmapped == []


def _domain() -> dict:
    return yaml.safe_load((BOT_DIR / "domain.yml").read_text(encoding="utf-8"))


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", text))


def _language_of(variation: dict) -> str:
    for condition in variation.get("condition") or []:
        if condition.get("name") == "language":
            return condition["value"]
    return "default"


@pytest.mark.parametrize("name", sorted(_domain()["responses"]))
def test_every_response_is_said_in_every_language_with_the_same_placeholders_and_buttons(name):
    variations = {_language_of(v): v for v in _domain()["responses"][name]}
    assert set(variations) == {"default", *(lang for lang in LANGUAGES if lang != "en")}
    english = variations["default"]
    for language, variation in variations.items():
        assert _placeholders(variation["text"]) == _placeholders(english["text"]), language
        assert [b["payload"] for b in variation.get("buttons") or []] == [b["payload"] for b in english.get("buttons") or []], language
        if language != "default":
            assert variation["text"] != english["text"], f"{name} is not translated to {language}"


def test_the_product_lookup_table_names_every_synonym_and_catalog_name():
    document = yaml.safe_load((BOT_DIR / "data" / "products.yml").read_text(encoding="utf-8"))
    [table] = [item for item in document["nlu"] if item.get("lookup") == "product"]
    listed = {line[2:].strip() for line in table["examples"].splitlines() if line.strip().startswith("- ")}
    synonyms = all_synonyms()
    assert sorted(set(synonyms) - listed) == []
    assert CATALOG <= listed
