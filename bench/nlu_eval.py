"""How well the bot understands each language, on held-out messages it was never trained on.

Serves a trained model with a real Rasa server, sends every example of bot/eval/<split>/nlu_<lang>.yml to
/model/parse and prints, per language: intent accuracy and macro F1 as the bot answers (a fallback is a
miss), the fallback rate, and how many annotated entities (order numbers, products mapped to a catalog
name) were found. Then the language detection's accuracy on the same messages (three words or more, and
shorter ones), for lingua's high and low accuracy modes.

    .venv/bin/python bench/nlu_eval.py                       # the model ./scripts/test or up trained
    .venv/bin/python bench/nlu_eval.py --config my.yml       # train an NLU model with another pipeline first
    .venv/bin/python bench/nlu_eval.py --per-language        # one NLU model per language instead, each on its own data
    .venv/bin/python bench/nlu_eval.py --markdown            # tables for the README
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.nlu_data import LANGUAGES, SPLITS, Example, all_synonyms, held_out_file, load_examples, training_file  # noqa: E402
from livechat import stack  # noqa: E402
from livechat.language_detection import MIN_WORDS, LanguageDetector, _WORD  # noqa: E402
from tests.fixtures import free_port, rasa_bin  # noqa: E402

CATALOG = {"Merino wool sweater", "Leather backpack", "Ceramic coffee mug", "Trail running shoes", "Wool scarf",
           "Organic cotton t-shirt"}
FALLBACK = "nlu_fallback"


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Mean F1 over the intents that occur in the truth; (true, predicted) pairs."""
    truth = {t for t, _ in pairs}
    scores = []
    for intent in truth:
        tp = sum(1 for t, p in pairs if t == intent and p == intent)
        fp = sum(1 for t, p in pairs if t != intent and p == intent)
        fn = sum(1 for t, p in pairs if t == intent and p != intent)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def entity_found(example: Example, parsed: dict, entity) -> bool:
    for found in parsed.get("entities") or []:
        if found.get("entity") != entity.entity:
            continue
        span = example.text[found.get("start", -1):found.get("end", -1)]
        if span.lower().lstrip("#") != entity.text.lower().lstrip("#") and str(found.get("value")).lstrip("#") != entity.text.lstrip("#"):
            continue
        # A product is only useful to the shop's search when it maps to a catalog name.
        return entity.entity != "product" or found.get("value") in CATALOG
    return False


async def parse_all(rasa_url: str, examples: list[Example], *, in_flight: int = 4) -> list[dict]:
    results: list[dict] = [{}] * len(examples)
    gate = asyncio.Semaphore(in_flight)
    async with aiohttp.ClientSession() as http:
        async def one(i: int, example: Example) -> None:
            async with gate, http.post(f"{rasa_url}/model/parse", json={"text": example.text},
                                       timeout=aiohttp.ClientTimeout(total=30)) as response:
                response.raise_for_status()
                results[i] = await response.json()
        await asyncio.gather(*(one(i, e) for i, e in enumerate(examples)))
    return results


def train_nlu(config: Path, out_dir: Path, nlu: str = "data", name: str = "eval") -> tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [str(rasa_bin()), "train", "nlu", "--config", str(config.resolve()), "--nlu", nlu, "--out", str(out_dir),
         "--fixed-model-name", name],
        cwd=stack.BOT_DIR, check=True, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return out_dir / f"{name}.tar.gz", time.perf_counter() - started


async def understand(model: Path, examples: dict[str, list[Example]]) -> dict[str, list[dict]]:
    config = stack.RasaStack(rasa_bin=rasa_bin(), model=model, api_url="http://127.0.0.1:9", bot_api_token="-",
                             rasa_port=free_port(), actions_port=free_port())
    server = stack.start_rasa_server(config)
    try:
        await stack.wait_for_rasa(config.rasa_url, process=server)
        return {lang: await parse_all(config.rasa_url, items) for lang, items in examples.items()}
    finally:
        stack.stop(server)


def nlu_rows(examples: dict[str, list[Example]], parsed: dict[str, list[dict]]) -> list[list[str]]:
    rows = []
    for lang, items in examples.items():
        pairs = [(e.intent, (p.get("intent") or {}).get("name") or FALLBACK) for e, p in zip(items, parsed[lang])]
        entities = [(e, p, ent) for e, p in zip(items, parsed[lang]) for ent in e.entities]
        found = sum(1 for e, p, ent in entities if entity_found(e, p, ent))
        # What the classifier ranked first among real intents: the model apart from the fallback threshold.
        top = [next((r["name"] for r in p.get("intent_ranking") or [] if r["name"] != FALLBACK), FALLBACK) for p in parsed[lang]]
        top_accuracy = sum(e.intent == t for e, t in zip(items, top)) / len(items)
        rows.append([
            lang, str(len(items)), str(len({e.intent for e in items})),
            f"{sum(t == p for t, p in pairs) / len(pairs):.3f}", f"{macro_f1(pairs):.3f}",
            f"{sum(p == FALLBACK for _, p in pairs) / len(pairs):.1%}", f"{top_accuracy:.3f}",
            f"{found}/{len(entities)}",
        ])
    return rows


def detection_rows(examples: dict[str, list[Example]]) -> list[list[str]]:
    rows = []
    detectors = {mode: LanguageDetector(mode) for mode in ("high", "low")}
    for detector in detectors.values():
        detector.load_blocking()
    for lang, items in examples.items():
        long = [e.text for e in items if len(_WORD.findall(e.text)) >= MIN_WORDS]
        short = [e.text for e in items if 0 < len(_WORD.findall(e.text)) < MIN_WORDS]
        row = [lang]
        for detector in detectors.values():
            for texts in (long, short):
                hits = sum(1 for t in texts if (g := detector.guess(t)) is not None and g.language == lang)
                row.append(f"{hits / len(texts):.3f} ({len(texts)})" if texts else "-")
        rows.append(row)
    return rows


def show(title: str, header: list[str], rows: list[list[str]], markdown: bool, console: Console) -> None:
    if markdown:
        print(f"\n{title}\n")
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    table = Table(title=title)
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="trained model (default: the newest in bot/models)")
    parser.add_argument("--config", type=Path, help="train an NLU-only model with this pipeline first and evaluate it")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--split", choices=SPLITS, default="test",
                        help="held-out set: test (the reported one) or dev (the one that guided the training data)")
    parser.add_argument("--per-language", action="store_true",
                        help="train one NLU model per language on that language's data only (with --config's pipeline, default bot/config.yml)")
    parser.add_argument("--skip-detection", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--misses", type=Path, help="write every misrecognized example (JSON lines) to this file")
    args = parser.parse_args()
    console = Console()
    languages = [lang for lang in args.languages.split(",") if lang]
    examples = {lang: load_examples(held_out_file(lang, args.split)) for lang in languages if held_out_file(lang, args.split).exists()}
    missing = sorted(set(languages) - set(examples))
    if missing:
        console.print(f"[yellow]no held-out file for: {', '.join(missing)}[/]")
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or stack.latest_model()
        if args.per_language:
            parsed = {}
            for lang in examples:
                lang_model, seconds = train_nlu(args.config or stack.BOT_DIR / "config.yml", Path(tmp),
                                                nlu=str(training_file(lang).relative_to(stack.BOT_DIR)), name=f"eval-{lang}")
                console.print(f"trained the {lang} model in {seconds:.0f} s")
                parsed.update(asyncio.run(understand(lang_model, {lang: examples[lang]})))
        elif args.config:
            model, seconds = train_nlu(args.config, Path(tmp))
            console.print(f"trained {args.config} in {seconds:.0f} s")
        if not args.per_language:
            if model is None or not model.exists():
                sys.exit("no trained model: run ./scripts/up or ./scripts/test first, or pass --config")
            console.print(f"model: {model.name}; {sum(map(len, examples.values()))} held-out examples; "
                          f"{len(all_synonyms())} synonyms in the training data")
            parsed = asyncio.run(understand(model, examples))
    show("Intent recognition on held-out examples (a fallback counts as a miss)",
         ["language", "examples", "intents", "accuracy", "macro F1", "fallbacks", "top intent w/o fallback", "entities found"],
         nlu_rows(examples, parsed), args.markdown, console)
    misses = Counter((lang, e.intent, (p.get("intent") or {}).get("name"))
                     for lang in examples for e, p in zip(examples[lang], parsed[lang])
                     if e.intent != (p.get("intent") or {}).get("name"))
    if misses and not args.markdown:
        console.print("most frequent confusions (language, true, predicted): " +
                      ", ".join(f"{k}×{n}" for k, n in misses.most_common(8)))
    if args.misses:
        with args.misses.open("w", encoding="utf-8") as out:
            for lang in examples:
                for e, p in zip(examples[lang], parsed[lang]):
                    predicted = (p.get("intent") or {}).get("name")
                    if predicted != e.intent:
                        ranking = [(r["name"], round(r["confidence"], 2)) for r in (p.get("intent_ranking") or [])[:3]]
                        out.write(json.dumps({"language": lang, "text": e.text, "intent": e.intent, "predicted": predicted,
                                              "ranking": ranking}, ensure_ascii=False) + "\n")
    if not args.skip_detection:
        show(f"Language detection (lingua) on the same messages: {MIN_WORDS}+ words / shorter (count)",
             ["language", "high: 3+ words", "high: 1-2 words", "low: 3+ words", "low: 1-2 words"],
             detection_rows(examples), args.markdown, console)


if __name__ == "__main__":
    main()
