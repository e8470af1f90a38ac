"""Segment rules: a small language shop owners type, parsed by hand and evaluated without raising."""

from __future__ import annotations

import ast
import inspect
import random
from datetime import UTC, datetime, timedelta

import pytest

from livechat import segment_rules
from livechat.errors import InvalidInput
from livechat.profile_state import combine, empty, from_event, summary
from livechat.segment_rules import MAX_DEPTH, MAX_RULE_CHARS, And, Compare, FieldPath, Not, Or, Truthy, compile_rule

PROFILE = {
    "recency_days": 120,
    "orders": 3,
    "lifetime_value_cents": 45_000,
    "visits": 4,
    "messages": 0,
    "satisfaction": 4.5,
    "preferred_language": "pl",
    "top_intents": ["order_status", "greet"],
    "consent": {"tracking": True, "marketing": False},
    "rfm": {"r": 2, "f": 3, "m": 3},
    "cart_open": True,
    "last_cart_at": "2026-11-03T12:00:00+00:00",
    "tracked": {"cart_add": 2},
    "offers": {},
    "t": True,
    "f": False,
}
NEVER_ORDERED = {**PROFILE, "recency_days": None, "orders": 0, "rfm": None, "satisfaction": None, "preferred_language": None}


def check(text: str, profile: dict | None = None) -> bool:
    result = compile_rule(text).evaluate(PROFILE if profile is None else profile)
    assert type(result) is bool
    return result


def error_for(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        compile_rule(text)
    assert info.value.code == "invalid_segment_rule"
    assert isinstance(info.value.data["position"], int)
    return info.value


# --- structure ------------------------------------------------------------------------------


def test_not_binds_tighter_than_and_which_binds_tighter_than_or():
    assert compile_rule("not t and f").tree == And((Not(Truthy(FieldPath(("t",)))), Truthy(FieldPath(("f",)))))
    assert check("not t and f") is False  # (not t) and f
    assert check("t or t and f") is True  # t or (t and f)
    assert check("f and f or t") is True  # (f and f) or t
    assert check("not f or f") is True  # (not f) or f
    assert check("not orders > 5") is True  # not applies to the whole comparison
    assert check("not not t") is True


def test_parentheses_override_precedence():
    assert check("not (t and f)") is True
    assert check("(t or t) and f") is False
    assert check("f and (f or t)") is False
    assert check("((orders == 3))") is True
    assert isinstance(compile_rule("(a or b) and c").tree.items[0], Or)


def test_and_or_chains_are_flat():
    tree = compile_rule("a and b and c or d").tree
    assert isinstance(tree, Or) and len(tree.items) == 2 and len(tree.items[0].items) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("orders < 4", True),
        ("orders < 3", False),
        ("orders <= 3", True),
        ("orders <= 2", False),
        ("orders > 2", True),
        ("orders > 3", False),
        ("orders >= 3", True),
        ("orders >= 4", False),
        ("orders == 3", True),
        ("orders == 4", False),
        ("orders != 4", True),
        ("orders != 3", False),
        ("satisfaction >= 4.5", True),
        ("satisfaction > 4.25", True),
        ("orders == 3.0", True),
        ("recency_days > -1", True),
        ("3 == orders", True),  # either side may be the field
        ("preferred_language == 'pl'", True),
        ('preferred_language != "de"', True),
        ('"b" > "a"', True),
        ('last_cart_at >= "2026-11-01"', True),  # ISO timestamps compare as text
        ('last_cart_at < "2026-11-01"', False),
        ("cart_open == true", True),
        ("cart_open != false", True),
        ("t", True),
        ("f", False),
        ("true", True),
        ("false", False),
        ("orders>=3 and visits<5", True),  # spaces are optional around operators
    ],
)
def test_every_operator(text, expected):
    assert check(text) is expected


def test_a_bare_field_means_truthy():
    profile = {"zero": 0, "empty_text": "", "empty_list": [], "empty_map": {}, "null": None, "no": False, "yes": "x"}
    for name in ("zero", "empty_text", "empty_list", "empty_map", "no", "missing"):
        assert check(name, profile) is False, name
    assert check("yes", profile) is True
    assert check("not offers", PROFILE) is True and check("top_intents", PROFILE) is True


# --- semantics ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("recency_days > 90", False),
        ("recency_days < 90", False),
        ("recency_days >= 0", False),
        ("recency_days <= 1000", False),
        ("recency_days == null", True),
        ("recency_days != null", False),
        ("recency_days != 30", True),  # != is exactly not ==
        ("not recency_days > 90", True),
        ("null == null", True),
        ("null < 1", False),
        ("satisfaction >= null", False),
        ("rfm.r > 1", False),  # a null in the middle of a path
        ("rfm.r == null", True),
        ("nonexistent == null", True),
        ("nonexistent.deeper.still == null", True),
        ("preferred_language in ['pl']", False),
        ("preferred_language not in ['pl']", True),
        ("null in [null]", True),
    ],
)
def test_null_semantics(text, expected):
    assert check(text, NEVER_ORDERED) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('orders == "3"', False),
        ('orders != "3"', True),
        ('orders > "2"', False),
        ('orders <= "9"', False),
        ("preferred_language > 1", False),
        ("cart_open == 1", False),  # booleans are not numbers
        ("cart_open > 0", False),
        ("true > false", False),
        ("f == 0", False),
        ("top_intents > 1", False),
        ("consent > 0", False),
        ("consent == true", False),
        ('top_intents == "order_status"', False),
    ],
)
def test_type_mismatches_are_false_never_errors(text, expected):
    assert check(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("preferred_language in ['pl', 'de']", True),
        ("preferred_language in ['de', 'en']", False),
        ("preferred_language not in ['de', 'en']", True),
        ("orders in [1, 2, 3]", True),
        ("orders in [3.0]", True),
        ("orders in ['3']", False),
        ("cart_open in [1]", False),
        ("cart_open in [true]", True),
        ("orders in []", False),
        ("orders not in []", True),
        ('"order_status" in top_intents', True),
        ('"refund" in top_intents', False),
        ('"refund" not in top_intents', True),
        ('"cart_add" in tracked', True),  # an object's keys
        ('"checkout" in tracked', False),
        ('"tracking" in consent', True),
        ('"marketing" in consent', True),  # present, although false
        ('"x" in offers', False),
        ('"p" in preferred_language', False),  # text is not a collection
        ("1 in orders", False),
        ("1 in nonexistent", False),
        ("1 not in nonexistent", True),
        ("preferred_language in top_intents", False),
    ],
)
def test_membership_in_lists_and_object_keys(text, expected):
    assert check(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rfm.r == 2", True),
        ("rfm.m >= 3 and rfm.f >= 3", True),
        ("consent.tracking", True),
        ("consent.marketing", False),
        ("consent.tracking == true", True),
        ("tracked.cart_add >= 2", True),
        ("tracked.checkout_started == null", True),
        ("orders.deeper == null", True),  # a path through a number is null
        ("top_intents.first == null", True),  # lists are not indexed
        ("consent.tracking.x == null", True),
    ],
)
def test_dotted_paths(text, expected):
    assert check(text) is expected


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r"""name == 'it\'s'""", "it's"),
        (r'''name == "say \"hi\""''', 'say "hi"'),
        (r'''name == "back\\slash"''', "back\\slash"),
        (r"""name == 'both \" kinds'""", 'both " kinds'),
        (r"""name == "it's" """, "it's"),
        ('name == "and or not (in)"', "and or not (in)"),
        ('name == ""', ""),
        ('name == "zażółć"', "zażółć"),
    ],
)
def test_string_escapes(text, value):
    assert compile_rule(text).evaluate({"name": value}) is True
    assert compile_rule(text).evaluate({"name": value + "x"}) is False


# --- the built-in segments, over real profile summaries ------------------------------------------

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SEGMENTS = {
    "new_visitor": "visits <= 1 and orders == 0",
    "first_time_buyer": "orders == 1",
    "repeat_customer": "orders >= 2",
    "churn_risk": "orders >= 1 and recency_days > 90",
    "cart_abandoner": "cart_open and orders == 0",
    "lapsed_loyal": "recency_days > 90 and orders >= 3",  # the example
}


def summary_of(*kinds: str, days_later: int = 1) -> dict:
    state = empty()
    for i, kind in enumerate(kinds):
        data = {"total_cents": 4_000} if kind == "order.placed" else {}
        state = combine(state, from_event(kind, data, T0 + timedelta(minutes=i), i + 1))
    return summary(state, T0 + timedelta(days=days_later))


PERSONAS = {
    "browser": (summary_of("visitor.session"), {"new_visitor"}),
    "cart_left": (summary_of("visitor.session", "visitor.session", "track.cart_add"), {"cart_abandoner"}),
    "cart_checked_out": (summary_of("visitor.session", "track.cart_add", "track.checkout_started"), {"new_visitor"}),
    "first_order": (summary_of("visitor.session", "order.placed", days_later=5), {"first_time_buyer"}),
    "first_order_cart": (summary_of("order.placed", "track.cart_add"), {"first_time_buyer"}),
    "repeat": (summary_of("visitor.session", "order.placed", "order.placed"), {"repeat_customer"}),
    "lapsed_once": (summary_of("order.placed", days_later=100), {"first_time_buyer", "churn_risk"}),
    "lapsed_loyal": (summary_of(*["order.placed"] * 3, days_later=120), {"repeat_customer", "churn_risk", "lapsed_loyal"}),
    "loyal": (summary_of(*["order.placed"] * 3, days_later=10), {"repeat_customer"}),
    "nobody": (summary(empty(), T0), {"new_visitor"}),
}


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_built_in_segments_over_real_summaries(persona):
    profile, expected = PERSONAS[persona]
    rules = {name: compile_rule(text) for name, text in SEGMENTS.items()}
    assert {name for name, rule in rules.items() if rule.evaluate(profile)} == expected


def test_every_rule_field_is_a_summary_key():
    keys = summary(empty(), T0).keys()
    for text in SEGMENTS.values():
        assert compile_rule(text, known_fields=keys).fields <= keys


# --- the compiled rule ----------------------------------------------------------------------


def test_fields_are_the_top_level_names_read():
    rule = compile_rule('rfm.r >= 4 and "x" in top_intents or not cart_open and tracked.cart_add > 1 and rfm.m == 1')
    assert rule.fields == frozenset({"rfm", "top_intents", "cart_open", "tracked"})
    assert compile_rule("true").fields == frozenset()
    assert compile_rule("'orders' in ['orders']").fields == frozenset()  # text is not a field
    assert compile_rule("  orders >= 2 ").text == "  orders >= 2 "


def test_rules_are_immutable_values():
    rule = compile_rule("orders >= 2")
    assert rule == compile_rule("orders >= 2") and hash(rule) == hash(compile_rule("orders >= 2"))
    with pytest.raises(AttributeError):
        rule.text = "true"  # type: ignore[misc]
    assert isinstance(rule.tree, Compare) and rule.tree.op == ">="


def test_known_fields_catch_typos():
    keys = summary(empty(), T0).keys()
    error = pytest.raises(InvalidInput, compile_rule, "visits > 1 and order >= 2", known_fields=keys).value
    assert error.message == 'Unknown field "order" at position 15; did you mean "orders"?'
    assert error.data == {"position": 15}
    error = pytest.raises(InvalidInput, compile_rule, "zzz", known_fields=keys).value
    assert error.message == 'Unknown field "zzz" at position 0.'
    assert compile_rule("tracked.anything > 1", known_fields=keys).fields == {"tracked"}  # nested keys are free


def test_evaluation_survives_odd_profiles():
    odd = {"orders": object(), "rfm": 5, "tracked": ["cart_add"], "consent": {"tracking": None}, "visits": float("nan")}
    for text in ("orders > 1", "orders == null", "orders", "rfm.r > 1", '"cart_add" in tracked', "consent.tracking",
                 "visits >= 0", "visits == visits", "tracked == tracked", "consent == consent", "orders == orders"):
        assert type(compile_rule(text).evaluate(odd)) is bool
    assert compile_rule("orders > 1").evaluate({}) is False
    assert compile_rule("tracked == tracked").evaluate(odd) is True


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("orders >= 2 and and", 16, 'Unexpected "and" at position 16: expected a value.'),
        ("visits => 1", 7, 'Unknown operator "=>" at position 7; did you mean ">="?'),
        ("visits =< 1", 7, 'Unknown operator "=<" at position 7; did you mean "<="?'),
        ("orders = 1", 7, 'Unknown operator "=" at position 7; did you mean "=="?'),
        ("orders <> 1", 7, 'Unknown operator "<>" at position 7; did you mean "!="?'),
        ("t && f", 2, 'Unknown operator "&&" at position 2; did you mean "and"?'),
        ("t || f", 2, 'Unknown operator "||" at position 2; did you mean "or"?'),
        ("!t", 0, 'Unknown operator "!" at position 0; did you mean "not"?'),
        ("orders >> 1", 7, 'Unknown operator ">>" at position 7.'),
        ("orders >=", 9, "Unexpected end of the rule at position 9: expected a value."),
        ("(orders > 1", 11, 'Unexpected end of the rule at position 11: expected ")" to close the "(" at position 0.'),
        ("orders > 1)", 10, 'Unexpected ")" at position 10: there is no "(" to close.'),
        ("()", 1, 'Unexpected ")" at position 1: expected a value.'),
        ("1 < orders < 5", 11, "Comparisons cannot be chained at position 11"),
        ("orders == 1 in [1]", 12, "Comparisons cannot be chained at position 12"),
        ("orders 5", 7, 'Unexpected "5" at position 7: expected a comparison such as ">=" or "in", "and", "or" or the end'),
        ("(orders) > 1", 9, 'Unexpected ">" at position 9: parentheses group conditions, not values'),
        ("(orders) 5", 9, 'Unexpected "5" at position 9: expected "and", "or" or the end of the rule.'),
        ("((orders) 5)", 10, 'Unexpected "5" at position 10: expected "and", "or" or ")".'),
        ("5", 0, "a value on its own is not a condition"),
        ("'vip' or orders > 1", 0, "a value on its own is not a condition"),
        ("null", 0, "a value on its own is not a condition"),
        ("orders in 5", 10, 'expected a list such as ["a", "b"] or a field after "in".'),
        ("orders in [visits]", 11, "a list can only hold fixed values"),
        ("orders in [[1]]", 11, "a list can only hold fixed values"),
        ("orders in [1 2]", 13, 'expected "," or "]" to close the list at position 10.'),
        ("orders in [1,]", 13, 'Unexpected "]" at position 13: expected a value.'),
        ("orders in [1", 12, 'expected "," or "]"'),
        ("[1, 2] == orders", 0, 'a list can only follow "in" or "not in"'),
        ("orders not 5", 7, '"not" goes before a condition'),
        ("orders + 1 > 2", 7, 'Unexpected "+" at position 7: rules compare values but cannot calculate.'),
        ("orders > -x", 9, "cannot calculate"),
        ("orders > 1.", 11, 'Expected a digit after "." at position 11'),
        ("rfm. r > 1", 4, 'Expected a field name after "." at position 4.'),
        ("rfm.1 > 1", 4, 'Expected a field name after "."'),
        ("Orders > 1", 0, 'Unknown word "Orders" at position 0; did you mean "orders"?'),
        ("t AND f", 2, 'Unknown word "AND" at position 2; did you mean "and"?'),
        ("true.x == 1", 0, '"true" at position 0 is a keyword'),
        ("name == 'open", 8, "The text starting at position 8 is never closed; add a closing ' quote."),
        ('name == "tail\\', 8, "is never closed"),
        ('name == "a\\n"', 10, 'Unsupported escape "\\n" at position 10'),
        ("orders > 1 ; drop", 11, 'Unexpected character ";" at position 11.'),
        ("orders\x00 > 1", 6, "Unexpected character U+0000 at position 6."),
        ("", 0, "The rule is empty."),
        ("   \n ", 0, "The rule is empty."),
        ("in [1]", 0, 'Unexpected "in" at position 0: expected a value.'),
        ("orders > 1 and", 14, "Unexpected end of the rule at position 14: expected a value."),
    ],
)
def test_syntax_errors_say_where(text, position, message):
    error = error_for(text)
    assert message in error.message
    assert error.data["position"] == position
    assert error.to_dict() == {"code": "invalid_segment_rule", "message": error.message, "position": position}


def test_the_first_problem_in_reading_order_is_reported():
    assert error_for("orders >= and x.").data["position"] == 10  # not the dot at the end


def test_a_rule_must_be_text():
    assert error_for(42).message == "A segment rule must be text."  # type: ignore[arg-type]


def test_length_limit():
    rule = "orders >= 1"
    assert compile_rule(rule + " " * (MAX_RULE_CHARS - len(rule))).evaluate(PROFILE) is True
    error = error_for(rule + " " * (MAX_RULE_CHARS - len(rule) + 1))
    assert error.message == "The rule is longer than 1,000 characters."
    assert error.data == {"position": MAX_RULE_CHARS, "max_chars": MAX_RULE_CHARS}
    long_chain = " or ".join(["orders == 1"] * 66)  # 990 characters, still fine
    assert compile_rule(long_chain).evaluate(PROFILE) is False


def test_depth_limit():
    assert check("(" * MAX_DEPTH + "t" + ")" * MAX_DEPTH) is True
    assert check("not " * MAX_DEPTH + "t") is (MAX_DEPTH % 2 == 0)
    assert check("not (" * (MAX_DEPTH // 2) + "t" + ")" * (MAX_DEPTH // 2)) is True
    for too_deep, position in [
        ("(" * (MAX_DEPTH + 1) + "t" + ")" * (MAX_DEPTH + 1), MAX_DEPTH),
        ("not " * (MAX_DEPTH + 1) + "t", 4 * MAX_DEPTH),
    ]:
        error = error_for(too_deep)
        assert error.message == f'The rule is nested too deeply at position {position}: at most 32 levels of "(" and "not".'
        assert error.data["position"] == position
    assert error_for("(" * 400).message.startswith("The rule is nested too deeply")


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('x')",
        "().__class__",
        'open("f")',
        "eval('1')",
        "exec('import os')",
        "lambda: 1",
        "orders if true else visits",
        "[x for x in orders]",
        "orders; import os",
        "{'a': 1}",
        "orders[0] == 1",
        "f'{orders}'",
        "orders == 1 # comment",
        "`ls`",
        "$orders > 1",
        "orders @ 2",
    ],
)
def test_hostile_input_is_a_syntax_error(text):
    error_for(text)


def test_dunder_names_are_only_mapping_keys():
    assert compile_rule("orders.__class__.__mro__ != null").evaluate(PROFILE) is False
    assert compile_rule("__class__").evaluate(PROFILE) is False
    assert compile_rule("__class__ == 1").evaluate({"__class__": 1}) is True


def test_the_module_never_evaluates_code():
    banned = {"eval", "exec", "compile", "getattr", "__import__", "literal_eval", "setattr"}
    tree = ast.parse(inspect.getsource(segment_rules))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute):
            assert (node.id if isinstance(node, ast.Name) else node.attr) not in banned
        assert not (isinstance(node, ast.Import | ast.ImportFrom) and any(a.name == "ast" for a in node.names))


# --- robustness -----------------------------------------------------------------------------

ALPHABET = [
    "orders", "recency_days", "rfm.r", "consent.tracking", "top_intents", "tracked", "tracked.cart_add", "missing.x",
    "cart_open", "satisfaction", "preferred_language", "0", "1", "3", "2.5", "-7", "'pl'", '"order_status"',
    "'it\\'s'", "true", "false", "null", "and", "or", "not", "in", "<", "<=", ">", ">=", "==", "!=", "(", ")", "[",
    "]", ",", "__import__",
]
JUNK = ["=>", "=", "!", "&&", "+", ".", '"', "'", "\\", "Orders", "é", "\x00", ";", "{", "1e5", "a..b", "- 1"]


def test_random_token_soup_compiles_or_raises_invalid_input():
    rng = random.Random(20261101)
    profiles = [PROFILE, NEVER_ORDERED, {}, PERSONAS["lapsed_loyal"][0]]
    compiled = 0
    for _ in range(2_000):
        pieces = [rng.choice(JUNK if rng.random() < 0.05 else ALPHABET) for _ in range(rng.randint(1, 9))]
        text = "".join(piece + rng.choice(["", " ", " ", "  "]) for piece in pieces)
        try:
            rule = compile_rule(text)
        except InvalidInput as exc:
            assert isinstance(exc.data["position"], int) and 0 <= exc.data["position"] <= len(text), text
            assert exc.message.endswith((".", "?")), text
            continue
        compiled += 1
        for profile in profiles:
            assert type(rule.evaluate(profile)) is bool, text
    assert compiled >= 100  # the soup is not all syntax errors


def test_random_well_formed_rules_compile_and_evaluate():
    rng = random.Random(7)
    values = ["1", "3", "2.5", "-1", "'pl'", '"order_status"', "true", "false", "null"]
    fields = ["orders", "recency_days", "rfm.r", "consent.tracking", "top_intents", "tracked", "cart_open", "missing"]

    def condition(depth: int) -> str:
        roll = rng.random()
        if depth < 6 and roll < 0.25:
            return f"({expression(depth + 1)})"
        if depth < 6 and roll < 0.35:
            return f"not {condition(depth + 1)}"
        if roll < 0.5:
            return rng.choice(fields)
        if roll < 0.7:
            items = ", ".join(rng.choice(values) for _ in range(rng.randint(0, 3)))
            right = rng.choice([f"[{items}]", rng.choice(fields)])
            return f"{rng.choice(fields + values)} {rng.choice(['in', 'not in'])} {right}"
        op = rng.choice(["<", "<=", ">", ">=", "==", "!="])
        return f"{rng.choice(fields + values)} {op} {rng.choice(fields + values)}"

    def expression(depth: int) -> str:
        return f" {rng.choice(['and', 'or'])} ".join(condition(depth) for _ in range(rng.randint(1, 3)))

    for _ in range(500):
        text = expression(0)
        if len(text) > MAX_RULE_CHARS:
            continue
        rule = compile_rule(text)
        assert type(rule.evaluate(PROFILE)) is bool and type(rule.evaluate(NEVER_ORDERED)) is bool
