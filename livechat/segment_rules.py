"""Customer segments as rules: a small, safe expression language over a profile summary.

    recency_days > 90 and orders >= 3
    "order_status" in top_intents and not cart_open
    preferred_language in ["pl", "de"] or rfm.m >= 4

Grammar (EBNF). Keywords and field names are lower case; whitespace only separates tokens.

    rule       = or_expr END ;
    or_expr    = and_expr { "or" and_expr } ;
    and_expr   = not_expr { "and" not_expr } ;
    not_expr   = "not" not_expr | "(" or_expr ")" | condition ;
    condition  = operand [ compare_op operand | [ "not" ] "in" ( list | field ) ] ;
    compare_op = "<" | "<=" | ">" | ">=" | "==" | "!=" ;
    operand    = field | scalar ;
    list       = "[" [ scalar { "," scalar } ] "]" ;
    scalar     = NUMBER | STRING | "true" | "false" | "null" ;
    field      = NAME { "." NAME } ;                 (no spaces around the dots)
    NAME       = [a-z_][a-z0-9_]* , the first one not a keyword ;
    NUMBER     = [ "-" ] DIGITS [ "." DIGITS ] ;
    STRING     = '"' ... '"' | "'" ... "'" ;         (a backslash escapes only a quote or a backslash)

A condition that is one operand alone must be a field, meaning "is truthy", or `true` / `false`.
Comparisons do not chain (`1 < orders < 5` is an error: join them with `and`); a parenthesis
groups conditions, never values.

Semantics, chosen so that no profile can make a rule raise:
- A missing field, or a null or non-object anywhere along a dotted path, is `null`.
- `<` `<=` `>` `>=` are true only between two numbers or two texts (ISO timestamps compare
  chronologically); with null, booleans, lists or mixed kinds they are false.
- `==` is true for equal values of the same kind: `1 == 1.0`, but `true != 1` and `"1" != 1`.
  `!=` is exactly `not ==`, so `recency_days != 30` holds for someone who never ordered.
- `x in y` is true when y is a list holding a value `==` x, or an object with a key `==` x;
  for anything else (text, null, numbers) it is false. `not in` is exactly `not (x in y)`.
- A field alone is truthy unless it is null, false, 0, or empty text, list or object.
"""

from __future__ import annotations

import difflib
import operator
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from livechat.errors import InvalidInput

MAX_RULE_CHARS = 1_000
MAX_DEPTH = 32  # levels of "(" and "not"; keeps the parser's and evaluator's recursion small
ERROR_CODE = "invalid_segment_rule"

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}
_ORDERING: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
# Operators people bring from spreadsheets, SQL and programming languages.
_OP_HINTS = {
    "=": "==", "===": "==", "=>": ">=", "=<": "<=", "<>": "!=", "=!": "!=", "!==": "!=",
    "!": "not", "&": "and", "&&": "and", "|": "or", "||": "or",
}
_OP_CHARS = frozenset("<>=!&|")
_PUNCTUATION = frozenset("()[],")
_ARITHMETIC = frozenset("+-*/%")
_SPACE = frozenset(" \t\r\n")
_DIGITS = frozenset(string.digits)
_WORD_START = frozenset(string.ascii_letters + "_")
_WORD_CHARS = _WORD_START | _DIGITS


# --- the tree -------------------------------------------------------------------------------

Scalar: TypeAlias = "None | bool | int | float | str"


@dataclass(frozen=True)
class FieldPath:
    names: tuple[str, ...]


@dataclass(frozen=True)
class Literal:
    value: Scalar | tuple[Scalar, ...]  # a tuple is a list literal, only ever the right side of "in"


@dataclass(frozen=True)
class Compare:
    op: str  # one of COMPARE_OPS, "in" or "not in"
    left: FieldPath | Literal
    right: FieldPath | Literal


@dataclass(frozen=True)
class Truthy:
    operand: FieldPath | Literal


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


Node: TypeAlias = "Compare | Truthy | Not | And | Or"


@dataclass(frozen=True)
class Rule:
    """A compiled segment rule; `fields` are the top-level profile keys it reads."""

    text: str
    fields: frozenset[str]
    tree: Node

    def evaluate(self, profile: Mapping[str, Any]) -> bool:
        """Whether the profile (a `profile_state.summary()` dict) is in the segment."""
        return _evaluate(self.tree, profile)


def compile_rule(text: str, *, known_fields: Collection[str] | None = None) -> Rule:
    """Parse a rule once; InvalidInput with a `position` (0-based character offset) when it is not valid.

    known_fields: when given, a top-level field outside it is an error ("did you mean ...?"),
    so a typo like `order >= 2` does not silently match nobody.
    """
    if not isinstance(text, str):
        raise _error("A segment rule must be text.", 0)
    if len(text) > MAX_RULE_CHARS:
        raise _error(f"The rule is longer than {MAX_RULE_CHARS:,} characters.", MAX_RULE_CHARS, max_chars=MAX_RULE_CHARS)
    if not text.strip(" \t\r\n"):
        raise _error("The rule is empty.", 0)
    parser = _Parser(_tokenize(text))
    tree = parser.parse()
    if known_fields is not None:
        for name, position in parser.fields.items():
            if name not in known_fields:
                close = difflib.get_close_matches(name, sorted(known_fields), n=1)
                hint = f'; did you mean "{close[0]}"?' if close else "."
                raise _error(f'Unknown field "{name}" at position {position}{hint}', position)
    return Rule(text=text, fields=frozenset(parser.fields), tree=tree)


def _error(message: str, position: int, **data: Any) -> InvalidInput:
    return InvalidInput(message, code=ERROR_CODE, position=position, **data)


# --- tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "number" "string" "field" "keyword" "op" "(" ")" "[" "]" "," "end"
    text: str  # as written
    position: int
    value: Any = None  # the number, the string, the keyword, or the field's names


def _skip(text: str, i: int, chars: frozenset[str]) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _show(ch: str) -> str:
    return f'"{ch}"' if ch.isprintable() else f"U+{ord(ch):04X}"


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _SPACE:
            i += 1
            continue
        if ch in _PUNCTUATION:
            token, i = _Token(ch, ch, i), i + 1
        elif ch in _DIGITS or (ch == "-" and text[i + 1 : i + 2] in _DIGITS):
            token, i = _scan_number(text, i)
        elif ch in "\"'":
            token, i = _scan_string(text, i)
        elif ch in _WORD_START:
            token, i = _scan_word(text, i)
        elif ch in _OP_CHARS:
            token, i = _scan_operator(text, i)
        elif ch in _ARITHMETIC:
            raise _error(f'Unexpected "{ch}" at position {i}: rules compare values but cannot calculate.', i)
        else:
            raise _error(f"Unexpected character {_show(ch)} at position {i}.", i)
        tokens.append(token)
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _scan_number(text: str, start: int) -> tuple[_Token, int]:
    i = _skip(text, start + 1, _DIGITS)
    if i < len(text) and text[i] == ".":
        if text[i + 1 : i + 2] in _DIGITS:
            i = _skip(text, i + 1, _DIGITS)
            return _Token("number", text[start:i], start, float(text[start:i])), i
        raise _error(f'Expected a digit after "." at position {i + 1}, in the number at position {start}.', i + 1)
    return _Token("number", text[start:i], start, int(text[start:i])), i


def _scan_string(text: str, start: int) -> tuple[_Token, int]:
    quote, chars, i = text[start], [], start + 1
    while i < len(text):
        ch = text[i]
        if ch == quote:
            return _Token("string", text[start : i + 1], start, "".join(chars)), i + 1
        if ch == "\\" and i + 1 < len(text):
            escaped = text[i + 1]
            if escaped not in "\\\"'":
                raise _error(
                    f'Unsupported escape "\\{escaped}" at position {i}: in text, a backslash may only come '
                    f"before a quote or another backslash.",
                    i,
                )
            chars.append(escaped)
            i += 2
            continue
        chars.append(ch)
        i += 1
    raise _error(f"The text starting at position {start} is missing its closing {quote}.", start)


def _scan_word(text: str, start: int) -> tuple[_Token, int]:
    i = _skip(text, start, _WORD_CHARS)
    names = [text[start:i]]
    while i < len(text) and text[i] == ".":
        if i + 1 >= len(text) or text[i + 1] not in _WORD_START:
            raise _error(f'Expected a field name after "." at position {i + 1}.', i + 1)
        end = _skip(text, i + 1, _WORD_CHARS)
        names.append(text[i + 1 : end])
        i = end
    word = text[start:i]
    if word != word.lower():
        raise _error(f'Unknown word "{word}" at position {start}; did you mean "{word.lower()}"? Names are lower case.', start)
    if len(names) == 1 and word in KEYWORDS:
        return _Token("keyword", word, start, word), i
    if names[0] in KEYWORDS:
        raise _error(f'"{names[0]}" at position {start} is a keyword and cannot start a field name.', start)
    return _Token("field", word, start, tuple(names)), i


def _scan_operator(text: str, start: int) -> tuple[_Token, int]:
    i = _skip(text, start, _OP_CHARS)
    op = text[start:i]
    if op in COMPARE_OPS:
        return _Token("op", op, start, op), i
    hint = _OP_HINTS.get(op)
    raise _error(f'Unknown operator "{op}" at position {start}' + (f'; did you mean "{hint}"?' if hint else "."), start)


# --- parsing --------------------------------------------------------------------------------


def _one_of(options: list[str]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1] if len(options) > 1 else options[0]


class _Parser:
    """Recursive descent over the token list, one method per grammar rule."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.open_parens: list[int] = []
        self.fields: dict[str, int] = {}  # top-level field -> first position, in order of appearance

    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> _Token:
        token = self.peek()
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def at(self, word: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "keyword" and token.value == word

    def unexpected(self, token: _Token, expected: str) -> InvalidInput:
        shown = "end of the rule" if token.kind == "end" else f'"{token.text[:30]}"'
        return _error(f"Unexpected {shown} at position {token.position}: expected {expected}.", token.position)

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error(
                f'The rule is nested too deeply at position {token.position}: at most {MAX_DEPTH} levels of "(" and "not".',
                token.position,
            )

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":  # boundary() lets only "end" and ")" through; ")" here has no "("
            raise self.unexpected(token, '"and", "or" or the end of the rule')
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.at("or"):
            self.advance()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.at("and"):
            self.advance()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        token = self.peek()
        if self.at("not"):
            self.advance()
            self.enter(token)
            node: Node = Not(self.not_expr())
            self.depth -= 1
            return node
        if token.kind == "(":
            self.advance()
            self.enter(token)
            self.open_parens.append(token.position)
            node = self.or_expr()
            close = self.advance()
            if close.kind != ")":
                raise self.unexpected(close, f'")" to close the "(" at position {token.position}')
            self.open_parens.pop()
            self.depth -= 1
            self.boundary(bare=False)
            return node
        return self.condition()

    def condition(self) -> Node:
        start = self.peek()
        left = self.operand()
        token = self.peek()
        if token.kind == "op":
            self.advance()
            node: Node = Compare(token.value, left, self.operand())
        elif self.at("in") or (self.at("not") and self.at("in", 1)):
            negated = self.at("not")
            self.advance()
            if negated:
                self.advance()
            node = Member(left, self.collection(), negated)
        elif self.at("not"):
            raise _error(
                f'Unexpected "not" at position {token.position}: "not" goes before a condition ("not cart_open") '
                f'or before "in" ("orders not in [1, 2]").',
                token.position,
            )
        else:
            if isinstance(left, Literal) and not isinstance(left.value, bool):
                raise _error(
                    f'Unexpected "{start.text[:30]}" at position {start.position}: a value on its own is not a condition; '
                    f'compare it with a field, e.g. "orders >= 2".',
                    start.position,
                )
            self.boundary(bare=True)
            return Truthy(left)
        self.boundary(bare=False)
        return node

    def boundary(self, *, bare: bool) -> None:
        """After a condition or a group only "and", "or", ")" (when one is open) or the end may follow."""
        token = self.peek()
        if token.kind == "end" or self.at("and") or self.at("or"):
            return
        if token.kind == ")":
            if self.open_parens:
                return
            raise _error(f'Unexpected ")" at position {token.position}: there is no "(" to close.', token.position)
        if bare and token.kind == "(":
            raise _error(f'Unexpected "(" at position {token.position}: rules cannot call functions.', token.position)
        if not bare and (token.kind == "op" or self.at("in") or (self.at("not") and self.at("in", 1))):
            raise _error(
                f'Comparisons cannot be chained at position {token.position}; join them with "and", '
                f'e.g. "orders >= 1 and orders <= 5".',
                token.position,
            )
        options = ['a comparison such as ">=" or "in"'] if bare else []
        options += ['"and"', '"or"'] + (['")"'] if self.open_parens else []) + ["the end of the rule"]
        raise self.unexpected(token, _one_of(options))

    def operand(self) -> FieldPath | Literal:
        token = self.advance()
        if token.kind == "field":
            self.fields.setdefault(token.value[0], token.position)
            return FieldPath(token.value)
        if token.kind in ("number", "string"):
            return Literal(token.value)
        if token.kind == "keyword" and token.value in _CONSTANTS:
            return Literal(_CONSTANTS[token.value])
        if token.kind == "[":
            raise _error(f'Unexpected list at position {token.position}: a list can only follow "in" or "not in".', token.position)
        raise self.unexpected(token, "a value")

    def collection(self) -> FieldPath | ListValue:
        token = self.peek()
        if token.kind == "field":
            return self.operand()  # type: ignore[return-value]
        if token.kind != "[":
            raise self.unexpected(token, 'a list such as ["a", "b"] or a field after "in"')
        self.advance()
        items: list[Any] = []
        if self.peek().kind == "]":
            self.advance()
            return ListValue(())
        while True:
            item = self.advance()
            if item.kind in ("number", "string"):
                items.append(item.value)
            elif item.kind == "keyword" and item.value in _CONSTANTS:
                items.append(_CONSTANTS[item.value])
            elif item.kind in ("field", "["):
                raise _error(
                    f'Unexpected "{item.text[:30]}" at position {item.position}: a list can only hold fixed values '
                    f"such as 1, \"a\", true or null.",
                    item.position,
                )
            else:
                raise self.unexpected(item, "a value")
            separator = self.advance()
            if separator.kind == "]":
                return ListValue(tuple(items))
            if separator.kind != ",":
                raise self.unexpected(separator, f'"," or "]" to close the list at position {token.position}')


# --- evaluation -----------------------------------------------------------------------------


def _evaluate(node: Node, profile: Mapping[str, Any]) -> bool:
    match node:
        case Or(items):
            return any(_evaluate(item, profile) for item in items)
        case And(items):
            return all(_evaluate(item, profile) for item in items)
        case Not(item):
            return not _evaluate(item, profile)
        case Compare(op, left, right):
            return _compare(op, _value(left, profile), _value(right, profile))
        case Member(item, collection, negated):
            return _contains(_value(collection, profile), _value(item, profile)) != negated
        case Truthy(operand):
            return _truthy(_value(operand, profile))
    raise AssertionError(f"not a rule node: {node!r}")


def _value(node: FieldPath | Literal | ListValue, profile: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, ListValue):
        return node.items
    value: Any = profile
    for name in node.names:
        if not isinstance(value, Mapping):
            return None
        value = value.get(name)
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: booleans are not numbers here
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return "other"


def _equal(a: Any, b: Any) -> bool:
    kind = _kind(a)
    if kind != _kind(b) or kind == "other":
        return False
    if kind == "list":
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if kind == "object":
        return a.keys() == b.keys() and all(_equal(a[key], b[key]) for key in a)
    return bool(a == b)


def _compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    kind = _kind(a)
    if kind not in ("number", "text") or kind != _kind(b):
        return False
    return bool(_ORDERING[op](a, b))


def _contains(collection: Any, item: Any) -> bool:
    # Iterating an object yields its keys: `"cart_add" in tracked`, `"tracking" in consent`.
    return _kind(collection) in ("list", "object") and any(_equal(item, element) for element in collection)


def _truthy(value: Any) -> bool:
    kind = _kind(value)
    if kind == "null":
        return False
    return True if kind == "other" else bool(value)
