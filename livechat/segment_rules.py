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
- `<` `<=` `>` `>=` are true only between two numbers or two texts (ISO timestamps in UTC compare
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
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from livechat.errors import InvalidInput

MAX_RULE_CHARS = 1_000
MAX_DEPTH = 32  # levels of "(" and "not"; keeps the parser's and evaluator's recursion small
ERROR_CODE = "invalid_segment_rule"

KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})
COMPARE_OPS = frozenset({"<", "<=", ">", ">=", "==", "!="})
_CONSTANTS: dict[str, Any] = {"true": True, "false": False, "null": None}
_SCALARS = frozenset({"number", "string", "constant"})
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
    # The tree turned into nested closures once, so evaluating walks no tree (rules run on every fold).
    check: Callable[[Mapping[str, Any]], bool] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", _closure(self.tree))

    def evaluate(self, profile: Mapping[str, Any]) -> bool:
        """Whether the profile (a `profile_state.summary()` dict) is in the segment."""
        return self.check(profile)


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
    kind: str  # "number" "string" "constant" "field" "keyword" "op" "(" ")" "[" "]" "," "end"
    text: str  # as written
    position: int
    value: Any = None  # the number, string, constant, keyword, operator, or the field's names


def _skip(text: str, i: int, chars: frozenset[str]) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _tokenize(text: str) -> Iterator[_Token]:
    """Tokens on demand, so the parser reports the first problem in reading order."""
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
            shown = f'"{ch}"' if ch.isprintable() else f"U+{ord(ch):04X}"
            raise _error(f"Unexpected character {shown} at position {i}.", i)
        yield token
    yield _Token("end", "", len(text))


def _scan_number(text: str, start: int) -> tuple[_Token, int]:
    i = _skip(text, start + 1, _DIGITS)
    if text[i : i + 1] != ".":
        return _Token("number", text[start:i], start, int(text[start:i])), i
    if text[i + 1 : i + 2] not in _DIGITS:
        raise _error(f'Expected a digit after "." at position {i + 1}, in the number at position {start}.', i + 1)
    i = _skip(text, i + 1, _DIGITS)
    return _Token("number", text[start:i], start, float(text[start:i])), i


def _scan_string(text: str, start: int) -> tuple[_Token, int]:
    quote, chars, i = text[start], [], start + 1
    while i < len(text) and text[i] != quote:
        if text[i] == "\\" and i + 1 < len(text):
            if text[i + 1] not in "\\\"'":
                raise _error(
                    f'Unsupported escape "\\{text[i + 1]}" at position {i}: in text, a backslash may only come '
                    "before a quote or another backslash.",
                    i,
                )
            i += 1
        chars.append(text[i])
        i += 1
    if i >= len(text):
        raise _error(f"The text starting at position {start} is never closed; add a closing {quote} quote.", start)
    return _Token("string", text[start : i + 1], start, "".join(chars)), i + 1


def _scan_word(text: str, start: int) -> tuple[_Token, int]:
    i = _skip(text, start, _WORD_CHARS)
    names = [text[start:i]]
    while text[i : i + 1] == ".":
        if text[i + 1 : i + 2] not in _WORD_START:
            raise _error(f'Expected a field name after "." at position {i + 1}.', i + 1)
        end = _skip(text, i + 1, _WORD_CHARS)
        names.append(text[i + 1 : end])
        i = end
    word = text[start:i]
    if word != word.lower():
        raise _error(f'Unknown word "{word}" at position {start}; did you mean "{word.lower()}"? Names are lower case.', start)
    if len(names) == 1 and word in _CONSTANTS:
        return _Token("constant", word, start, _CONSTANTS[word]), i
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


class _Parser:
    """Recursive descent, one method per grammar rule; `depth` counts open "(" and "not"."""

    def __init__(self, tokens: Iterator[_Token]) -> None:
        self.tokens = tokens
        self.ahead: list[_Token] = []
        self.depth = 0
        self.open_parens = 0
        self.fields: dict[str, int] = {}  # top-level field -> first position, in reading order

    def peek(self, offset: int = 0) -> _Token:
        while len(self.ahead) <= offset:
            if self.ahead and self.ahead[-1].kind == "end":
                return self.ahead[-1]
            self.ahead.append(next(self.tokens))
        return self.ahead[offset]

    def advance(self) -> _Token:
        token = self.peek()
        if token.kind != "end":
            self.ahead.pop(0)
        return token

    def at(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token.kind == "keyword" and token.value == word

    def at_membership(self) -> bool:
        return self.at("in") or (self.at("not") and self.at("in", 1))

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            message = f'The rule is nested too deeply at position {token.position}: at most {MAX_DEPTH} levels of "(" and "not".'
            raise _error(message, token.position)

    def parse(self) -> Node:
        node = self.or_expr()
        token = self.peek()
        if token.kind != "end":  # unreachable: boundary() refuses anything else after a condition
            raise _unexpected(token, '"and", "or" or the end of the rule')
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
        elif token.kind == "(":
            self.advance()
            self.enter(token)
            self.open_parens += 1
            node = self.or_expr()
            close = self.advance()
            if close.kind != ")":
                raise _unexpected(close, f'")" to close the "(" at position {token.position}')
            self.open_parens -= 1
            self.boundary(after="group")
        else:
            return self.condition()
        self.depth -= 1
        return node

    def condition(self) -> Node:
        start = self.peek()
        left = self.operand()
        token = self.peek()
        if token.kind == "op":
            self.advance()
            node: Node = Compare(token.value, left, self.operand())
        elif self.at_membership():
            op = "not in" if self.advance().value == "not" else "in"
            if op == "not in":
                self.advance()
            node = Compare(op, left, self.collection())
        elif self.at("not"):
            raise _error(
                f'Unexpected "not" at position {token.position}: "not" goes before a condition ("not cart_open") '
                'or before "in" ("orders not in [1, 2]").',
                token.position,
            )
        elif isinstance(left, Literal) and not isinstance(left.value, bool):
            raise _error(
                f"Unexpected {_shown(start)} at position {start.position}: a value on its own is not a condition; "
                'compare it with a field, e.g. "orders >= 2".',
                start.position,
            )
        else:
            self.boundary(after="value")
            return Truthy(left)
        self.boundary(after="comparison")
        return node

    def boundary(self, after: str) -> None:
        """After a "value" (a bare operand), a "comparison" or a "group", only "and", "or", ")" or the end may follow."""
        token = self.peek()
        if token.kind == "end" or self.at("and") or self.at("or") or (token.kind == ")" and self.open_parens):
            return
        where = token.position
        if token.kind == ")":
            raise _error(f'Unexpected ")" at position {where}: there is no "(" to close.', where)
        if after == "value" and token.kind == "(":
            raise _error(f'Unexpected "(" at position {where}: rules cannot call functions.', where)
        if after == "comparison" and (token.kind == "op" or self.at_membership()):
            message = f'Comparisons cannot be chained at position {where}; join them with "and", e.g. "orders >= 1 and orders <= 5".'
            raise _error(message, where)
        if after == "group" and (token.kind == "op" or self.at_membership()):
            message = f'Unexpected {_shown(token)} at position {where}: parentheses group conditions, not values; write "orders > 1".'
            raise _error(message, where)
        expected = ['a comparison such as ">=" or "in"'] if after == "value" else []
        expected += ['"and"', '"or"', '")"' if self.open_parens else "the end of the rule"]
        raise _unexpected(token, ", ".join(expected[:-1]) + " or " + expected[-1])

    def operand(self) -> FieldPath | Literal:
        token = self.advance()
        if token.kind == "field":
            self.fields.setdefault(token.value[0], token.position)
            return FieldPath(token.value)
        if token.kind in _SCALARS:
            return Literal(token.value)
        if token.kind == "[":
            raise _error(f'Unexpected list at position {token.position}: a list can only follow "in" or "not in".', token.position)
        raise _unexpected(token, "a value")

    def collection(self) -> FieldPath | Literal:
        opening = self.peek()
        if opening.kind == "field":
            return self.operand()
        if opening.kind != "[":
            raise _unexpected(opening, 'a list such as ["a", "b"] or a field after "in"')
        self.advance()
        items: list[Scalar] = []
        separator = self.peek()
        if separator.kind == "]":
            self.advance()
        while separator.kind != "]":
            item = self.advance()
            if item.kind in ("field", "["):
                raise _error(
                    f"Unexpected {_shown(item)} at position {item.position}: a list can only hold fixed values "
                    'such as 1, "a", true or null.',
                    item.position,
                )
            if item.kind not in _SCALARS:
                raise _unexpected(item, "a value")
            items.append(item.value)
            separator = self.advance()
            if separator.kind not in (",", "]"):
                raise _unexpected(separator, f'"," or "]" to close the list at position {opening.position}')
        return Literal(tuple(items))


def _shown(token: _Token) -> str:
    if token.kind == "end":
        return "end of the rule"
    return f"text {token.text[:30]}" if token.kind == "string" else f'"{token.text[:30]}"'


def _unexpected(token: _Token, expected: str) -> InvalidInput:
    return _error(f"Unexpected {_shown(token)} at position {token.position}: expected {expected}.", token.position)


# --- evaluation -----------------------------------------------------------------------------


_NUMERIC_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}


def _closure(node: Node) -> Callable[[Mapping[str, Any]], bool]:
    """The rule's decision as a function of the profile (a `profile_state.summary()` dict)."""
    match node:
        case Or(items):
            parts = tuple(_closure(item) for item in items)
            return lambda profile: any(part(profile) for part in parts)
        case And(items):
            parts = tuple(_closure(item) for item in items)
            return lambda profile: all(part(profile) for part in parts)
        case Not(item):
            inner = _closure(item)
            return lambda profile: not inner(profile)
        case Compare(op, FieldPath(names=(name,)), Literal(value=number)) if op in _NUMERIC_OPS and _kind(number) == "number":
            # The common shape (`orders >= 3`): numbers compare directly; anything else takes the general path.
            direct = _NUMERIC_OPS[op]

            def compare_number(profile: Mapping[str, Any]) -> bool:
                value = profile.get(name)
                if type(value) is int or type(value) is float:
                    return direct(value, number)
                return _compare(op, value, number)
            return compare_number
        case Compare(op, left, right):
            get_left, get_right = _getter(left), _getter(right)
            return lambda profile: _compare(op, get_left(profile), get_right(profile))
        case Truthy(operand):
            get = _getter(operand)
            return lambda profile: _truthy(get(profile))
    raise AssertionError(f"not a rule node: {node!r}")


def _getter(node: FieldPath | Literal) -> Callable[[Mapping[str, Any]], Any]:
    if isinstance(node, Literal):
        value = node.value
        return lambda profile: value
    if len(node.names) == 1:
        (name,) = node.names
        return lambda profile: profile.get(name)
    return lambda profile: _value(node, profile)


def _value(node: FieldPath | Literal, profile: Mapping[str, Any]) -> Any:
    if isinstance(node, Literal):
        return node.value
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
    if op in ("in", "not in"):
        # Iterating an object yields its keys: `"cart_add" in tracked`, `"tracking" in consent`.
        found = _kind(b) in ("list", "object") and any(_equal(a, element) for element in b)
        return found if op == "in" else not found
    if op in ("==", "!="):
        return _equal(a, b) if op == "==" else not _equal(a, b)
    kind = _kind(a)
    return kind in ("number", "text") and kind == _kind(b) and bool(_ORDERING[op](a, b))


def _truthy(value: Any) -> bool:
    kind = _kind(value)
    return kind != "null" and (kind == "other" or bool(value))
