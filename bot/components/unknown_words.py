"""NLU fallback for messages made only of words the assistant has never seen."""

from __future__ import annotations

import difflib
import logging
from typing import Any, Iterable

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
import rasa.shared.utils.io

log = logging.getLogger(__name__)

VOCABULARY_FILE = "vocabulary.json"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class UnknownWordsFallback(GraphComponent, IntentClassifier):
    """Predict nlu_fallback when no word of the message is (nearly) in the training data.

    DIET's softmax is confident even on gibberish ("asdf" -> affirm 0.97), so the
    FallbackClassifier threshold alone never fires for it. Comparing against the
    training vocabulary works for any language; the fuzzy match keeps typos of
    known words ("thnaks") from falling back. Entities do not exempt a message:
    DIET tags gibberish as a product too, and order numbers are not words anyway.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """similarity_cutoff: difflib ratio at which an unseen word counts as a typo."""
        return {"similarity_cutoff": 0.8}

    @staticmethod
    def required_components() -> list[type]:
        """Needs tokens. Place it last in the pipeline: it overrides earlier classifiers
        (requiring IntentClassifier here would fail, as trainable classifiers' train
        nodes do not depend on each other)."""
        return [Tokenizer]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Iterable[str] = (),
    ) -> None:
        self._cutoff = float(config["similarity_cutoff"])
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = frozenset(vocabulary)
        # difflib wants a sequence; sorted for reproducible matches.
        self._vocabulary_list = sorted(self._vocabulary)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UnknownWordsFallback":
        """Creates an untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "UnknownWordsFallback":
        """Loads the vocabulary persisted at training time."""
        with model_storage.read_from(resource) as model_dir:
            vocabulary = rasa.shared.utils.io.read_json_file(model_dir / VOCABULARY_FILE)
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        """Collect the words of all examples, synonyms and lookup tables."""
        words: set[str] = set()
        for example in training_data.training_examples:
            words.update(_words(example))
        for synonym, canonical in training_data.entity_synonyms.items():
            words.update(_letter_words(f"{synonym} {canonical}".split()))
        for table in training_data.lookup_tables:
            elements = table.get("elements")
            if isinstance(elements, list):
                for element in elements:
                    words.update(_letter_words(str(element).split()))
        self._vocabulary = frozenset(words)
        self._vocabulary_list = sorted(words)
        with self._model_storage.write_to(self._resource) as model_dir:
            rasa.shared.utils.io.dump_obj_as_json_to_file(
                model_dir / VOCABULARY_FILE, self._vocabulary_list
            )
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace the predicted intent with nlu_fallback for all-unknown messages."""
        for message in messages:
            if not self._all_words_unknown(message):
                continue
            log.debug("no known word in %r, predicting nlu_fallback", message.get(TEXT))
            fallback = {
                INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME,
                PREDICTED_CONFIDENCE_KEY: 1.0,
            }
            message.set(INTENT, fallback, add_to_output=True)
            ranking = message.get(INTENT_RANKING_KEY) or []
            message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages

    def _all_words_unknown(self, message: Message) -> bool:
        words = _words(message)
        # No words at all ("1003", "👍"): nothing to judge, leave it to the classifier.
        return bool(words) and not any(self._is_known(word) for word in words)

    def _is_known(self, word: str) -> bool:
        if word in self._vocabulary:
            return True
        return bool(
            difflib.get_close_matches(word, self._vocabulary_list, n=1, cutoff=self._cutoff)
        )


def _words(message: Message) -> list[str]:
    """Lower-cased tokens of the message's text that contain a letter."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return _letter_words(token.text for token in tokens)


def _letter_words(texts: Iterable[str]) -> list[str]:
    # Digits and punctuation ("1003", "#1003", "?") say nothing about being understood.
    return [t.lower() for t in texts if any(ch.isalpha() for ch in t)]
