// The config evaluator, construct by construct: literals, operators with
// Python's semantics, containers, comprehensions, statements and assignment
// forms, and the errors for everything a config may not do.
// (Methods and builtin functions: interpreter_builtins_test.cpp.)
#include <gtest/gtest.h>

#include "tests/config/interpreter_test_util.h"

namespace mmcpp::config {
namespace {

using test::ev;
using test::load;
using test::raised;
using test::var;

// ---------------------------------------------------------------------------
// Literals

TEST(ConfigInterpreter, IntLiterals) {
  EXPECT_EQ(ev("1_000_000"), "1000000");
  EXPECT_EQ(ev("0xff"), "255");
  EXPECT_EQ(ev("0XFF"), "255");
  EXPECT_EQ(ev("0o17"), "15");
  EXPECT_EQ(ev("0b1010"), "10");
  EXPECT_EQ(ev("0B11"), "3");
  EXPECT_EQ(ev("-0x10"), "-16");
  EXPECT_EQ(ev("True"), "True");
  EXPECT_EQ(ev("None"), "None");
}

TEST(ConfigInterpreter, FloatLiterals) {
  EXPECT_EQ(ev("1.0"), "1.0");
  EXPECT_EQ(ev("1e3"), "1000.0");
  EXPECT_EQ(ev("1.5e-3"), "0.0015");
  EXPECT_EQ(ev("2E+2"), "200.0");
  EXPECT_EQ(ev(".5"), "0.5");
  EXPECT_EQ(ev("5."), "5.0");
  EXPECT_EQ(ev("0e5"), "0.0");
  EXPECT_EQ(ev("1e-5"), "1e-05");
  EXPECT_EQ(ev("1e16"), "1e+16");
  EXPECT_EQ(ev("123.675"), "123.675");
  EXPECT_EQ(ev("-0.0"), "-0.0");
  EXPECT_EQ(ev("1e400"), "inf");
}

TEST(ConfigInterpreter, StringQuoteFormsAndPrefixes) {
  EXPECT_EQ(ev("'single'"), "'single'");
  EXPECT_EQ(ev("\"double\""), "'double'");
  EXPECT_EQ(ev("'''triple\nsingle'''"), "'triple\\nsingle'");
  EXPECT_EQ(ev("\"\"\"triple \"double\" \"\"\""), "'triple \"double\" '");
  EXPECT_EQ(ev("\"it's\""), "\"it's\"");
  EXPECT_EQ(ev("r'\\n\\d'"), "'\\\\n\\\\d'");
  EXPECT_EQ(ev("R'C:\\x'"), "'C:\\\\x'");
  EXPECT_EQ(ev("u'\\x41\\u00e9'"), "'A\xc3\xa9'");
  EXPECT_EQ(ev("'\\101\\t'"), "'A\\t'");
  EXPECT_EQ(ev("'caf\xc3\xa9'"), "'caf\xc3\xa9'");
}

TEST(ConfigInterpreter, ImplicitConcatenation) {
  EXPECT_EQ(ev("'a' \"b\" '''c'''"), "'abc'");
  EXPECT_EQ(ev("('data/'\n     'train.txt')"), "'data/train.txt'");
  EXPECT_EQ(var("n = 3\nx = 'a' f'{n}' r'\\n'\n"), "'a3\\\\n'");
}

TEST(ConfigInterpreter, FStrings) {
  std::string pre = "x_ = 3.14159\nn = 42\ns = 'ab'\nw = 8\np = 3\n";
  auto f = [&](const std::string& expr) { return var(pre + "x = " + expr + "\n"); };
  EXPECT_EQ(f("f'{x_:.2f}'"), "'3.14'");
  EXPECT_EQ(f("f'{n:05d}|{n:>6}|{n:<6}|{n:^7}|{n:x}|{n:#x}|{n:b}|{n:,}'"),
            "'00042|    42|42    |  42   |2a|0x2a|101010|42'");
  EXPECT_EQ(f("f'{s!r} {s!s} {s}'"), "\"'ab' ab ab\"");
  EXPECT_EQ(f("f'{x_:{w}.{p}f}'"), "'   3.142'");  // nested spec
  EXPECT_EQ(f("f'{{literal}} {n}'"), "'{literal} 42'");
  EXPECT_EQ(f("f'{n=}'"), "'n=42'");
  EXPECT_EQ(f("f'{\"q\"}' f\"{n}\" 'plain'"), "'q42plain'");
  EXPECT_EQ(f("F'{[1, 2][0]}{ {\"a\": 1}[\"a\"] }'"), "'11'");
  EXPECT_EQ(f("f'{x_!r:>10}'"), "'   3.14159'");
  EXPECT_EQ(f("f'{1e-7}|{1e16}|{x_:e}|{x_:g}|{0.5:%}'"),
            "'1e-07|1e+16|3.141590e+00|3.14159|50.000000%'");
  EXPECT_EQ(f("rf'\\n{n}'"), "'\\\\n42'");
  EXPECT_EQ(f("f'{True}|{None}|{n:+d}|{-n: d}|{[1, s]}'"), "\"True|None|+42|-42|[1, 'ab']\"");
  EXPECT_EQ(f("f'{n * 2 if n else 0}'"), "'84'");
  EXPECT_EQ(f("f'''{s}\n{n}'''"), "'ab\\n42'");
  EXPECT_EQ(f("f'{n + 1 = }|{n!=p}|{s=!s:>3}'"), "'n + 1 = 43|True|s= ab'");
  EXPECT_EQ(f("f'\\t{n}\\\\{p}'"), "'\\t42\\\\3'");  // escapes around fields
  EXPECT_EQ(f("f'{x_:{\"<\"}5.1f}|'"), "'3.1  |'");
}

TEST(ConfigInterpreter, FStringFormatErrors) {
  EXPECT_RAISES("s = 'a'\nx = f'{s:d}'\n", "ValueError",
                "Unknown format code 'd' for object of type 'str'", 2, 7);
  EXPECT_RAISES("x = f'{1.5:d}'\n", "ValueError",
                "Unknown format code 'd' for object of type 'float'", 1, 7);
  EXPECT_RAISES("x = f'{undefined}'\n", "NameError", "name 'undefined' is not defined", 1, 8);
}

// ---------------------------------------------------------------------------
// Arithmetic

TEST(ConfigInterpreter, IntAndFloatStayDistinct) {
  EXPECT_EQ(ev("1 + 2"), "3");
  EXPECT_EQ(ev("1 + 2.0"), "3.0");
  EXPECT_EQ(ev("2 * 3"), "6");
  EXPECT_EQ(ev("2 * 3.0"), "6.0");
  EXPECT_EQ(ev("1 / 2"), "0.5");
  EXPECT_EQ(ev("4 / 2"), "2.0");  // true division is always float
  EXPECT_EQ(ev("2 ** 10"), "1024");
  EXPECT_EQ(ev("2 ** -1"), "0.5");  // negative exponent: float
  EXPECT_EQ(ev("2.0 ** 2"), "4.0");
  EXPECT_EQ(ev("2 ** 0.5"), "1.4142135623730951");
  EXPECT_EQ(ev("True + True"), "2");
  EXPECT_EQ(ev("10 - 3 * 2"), "4");
  EXPECT_EQ(ev("0.1 + 0.2"), "0.30000000000000004");
  EXPECT_EQ(ev("1e308 * 10"), "inf");
}

TEST(ConfigInterpreter, FloorDivisionAndModuloSigns) {
  EXPECT_EQ(ev("7 // 2"), "3");
  EXPECT_EQ(ev("-7 // 2"), "-4");
  EXPECT_EQ(ev("7 // -2"), "-4");
  EXPECT_EQ(ev("-7 // -2"), "3");
  EXPECT_EQ(ev("-7 % 3"), "2");
  EXPECT_EQ(ev("7 % -3"), "-2");
  EXPECT_EQ(ev("-7 % -3"), "-1");
  EXPECT_EQ(ev("7.5 // 2"), "3.0");
  EXPECT_EQ(ev("-7.5 // 2"), "-4.0");
  EXPECT_EQ(ev("-7.5 % 2"), "0.5");
  EXPECT_EQ(ev("-7 // 2.0"), "-4.0");
  // CPython's float divmod, not floor(a / b).
  EXPECT_EQ(ev("1 // 0.1"), "9.0");
  EXPECT_EQ(ev("1 % 0.1"), "0.09999999999999995");
  EXPECT_EQ(ev("-1 // 0.1"), "-10.0");
  EXPECT_EQ(ev("5 % -2.5"), "-0.0");
  EXPECT_EQ(ev("0.0 // -1"), "-0.0");
  EXPECT_EQ(ev("6 % 2.0"), "0.0");
}

TEST(ConfigInterpreter, PowerAndUnaryPrecedence) {
  EXPECT_EQ(ev("-2 ** 2"), "-4");
  EXPECT_EQ(ev("(-2) ** 2"), "4");
  EXPECT_EQ(ev("(-2) ** 3"), "-8");
  EXPECT_EQ(ev("2 ** 3 ** 2"), "512");
  EXPECT_EQ(ev("-(-3)"), "3");
  EXPECT_EQ(ev("+True"), "1");
  EXPECT_EQ(ev("~5"), "-6");
  EXPECT_EQ(ev("not 0"), "True");
}

TEST(ConfigInterpreter, SequenceArithmetic) {
  EXPECT_EQ(ev("3 * 'ab'"), "'ababab'");
  EXPECT_EQ(ev("[0] * 3"), "[0, 0, 0]");
  EXPECT_EQ(ev("(1,) * 2"), "(1, 1)");
  EXPECT_EQ(ev("[1] * -1"), "[]");
  EXPECT_EQ(ev("[1] + [2]"), "[1, 2]");
  EXPECT_EQ(ev("(1,) + (2,)"), "(1, 2)");
  EXPECT_EQ(ev("'a' + 'b'"), "'ab'");
  EXPECT_EQ(ev("'%s-%d' % ('a', 3)"), "'a-3'");
  EXPECT_EQ(ev("'%.2f' % 3.14159"), "'3.14'");
  EXPECT_EQ(ev("'%05d|%x|%r|%%' % (42, 255, 'q')"), "\"00042|ff|'q'|%\"");
  EXPECT_EQ(ev("dict(a=1) | dict(b=2)"), "{'a': 1, 'b': 2}");
  EXPECT_EQ(ev("6 & 3"), "2");
  EXPECT_EQ(ev("6 | 3"), "7");
  EXPECT_EQ(ev("6 ^ 3"), "5");
  EXPECT_EQ(ev("1 << 4"), "16");
  EXPECT_EQ(ev("-16 >> 2"), "-4");
}

TEST(ConfigInterpreter, ArithmeticErrors) {
  EXPECT_RAISES("x = 1 / 0\n", "ZeroDivisionError", "division by zero", 1, 7);
  EXPECT_RAISES("x = 1.0 / 0\n", "ZeroDivisionError", "float division by zero", 1, 9);
  EXPECT_RAISES("x = 1 // 0\n", "ZeroDivisionError", "integer division or modulo by zero", 1, 7);
  EXPECT_RAISES("x = 1 % 0\n", "ZeroDivisionError", "integer division or modulo by zero", 1, 7);
  EXPECT_RAISES("x = 1.5 // 0.0\n", "ZeroDivisionError", "float floor division by zero", 1, 9);
  EXPECT_RAISES("x = 0 ** -1\n", "ZeroDivisionError", "0.0 cannot be raised to a negative power", 1,
                7);
  EXPECT_RAISES("x = 'a' + 1\n", "TypeError", "can only concatenate str (not \"int\") to str", 1,
                9);
  EXPECT_RAISES("x = [1] + (2,)\n", "TypeError",
                "can only concatenate list (not \"tuple\") to list", 1, 9);
  EXPECT_RAISES("x = 1 - 'a'\n", "TypeError", "unsupported operand type(s) for -: 'int' and 'str'",
                1, 7);
  EXPECT_RAISES("x = {} ** 2\n", "TypeError",
                "unsupported operand type(s) for ** or pow(): 'dict' and 'int'", 1, 8);
  EXPECT_RAISES("x = -'a'\n", "TypeError", "bad operand type for unary -: 'str'", 1, 5);
  EXPECT_RAISES("x = '%d %d' % (1,)\n", "TypeError", "not enough arguments for format string", 1,
                13);
}

// ---------------------------------------------------------------------------
// Comparisons and boolean operators

TEST(ConfigInterpreter, Comparisons) {
  EXPECT_EQ(ev("1 < 2 < 3"), "True");
  EXPECT_EQ(ev("1 < 3 < 2"), "False");
  EXPECT_EQ(ev("3 > 2 == 2 >= 1"), "True");
  EXPECT_EQ(ev("1 == 1.0"), "True");
  EXPECT_EQ(ev("True == 1"), "True");
  EXPECT_EQ(ev("1 != 1.0"), "False");
  EXPECT_EQ(ev("'b' > 'a'"), "True");
  EXPECT_EQ(ev("(1, 2) < (1, 3)"), "True");
  EXPECT_EQ(ev("[1, 2] < [1, 2, 0]"), "True");
  EXPECT_EQ(ev("[1, 2] == [1, 2]"), "True");
  EXPECT_EQ(ev("[1] == (1,)"), "False");
  EXPECT_EQ(ev("{'a': 1, 'b': 2} == dict(b=2, a=1)"), "True");
  EXPECT_EQ(ev("float('nan') == float('nan')"), "False");
  EXPECT_EQ(ev("float('nan') < 1"), "False");
}

TEST(ConfigInterpreter, MembershipAndIdentity) {
  EXPECT_EQ(ev("'a' in 'cat'"), "True");
  EXPECT_EQ(ev("'' in 'cat'"), "True");
  EXPECT_EQ(ev("3 not in [1, 2]"), "True");
  EXPECT_EQ(ev("2 in (1, 2)"), "True");
  EXPECT_EQ(ev("1.0 in [1]"), "True");
  EXPECT_EQ(ev("'k' in dict(k=1)"), "True");
  EXPECT_EQ(ev("1 in dict(k=1)"), "False");
  EXPECT_EQ(ev("2 in {1, 2}"), "True");
  EXPECT_EQ(ev("None is None"), "True");
  EXPECT_EQ(ev("[] is not []"), "True");
  EXPECT_EQ(var("a = [1]\nb = a\nx = b is a\n"), "True");
  EXPECT_EQ(var("a = [1]\nx = a is [1]\n"), "False");
  EXPECT_EQ(ev("1 is not None"), "True");
  EXPECT_RAISES("x = 1 in 'abc'\n", "TypeError",
                "'in <string>' requires string as left operand, not int", 1, 5);
  EXPECT_RAISES("x = 1 in 5\n", "TypeError", "argument of type 'int' is not iterable", 1, 5);
  EXPECT_RAISES("x = 1 < 'a'\n", "TypeError",
                "'<' not supported between instances of 'int' and 'str'", 1, 5);
  EXPECT_RAISES("x = [1] < (1,)\n", "TypeError",
                "'<' not supported between instances of 'list' and 'tuple'", 1, 5);
}

TEST(ConfigInterpreter, BooleanOperatorsReturnOperands) {
  EXPECT_EQ(ev("0 or 'x'"), "'x'");
  EXPECT_EQ(ev("'y' and 0"), "0");
  EXPECT_EQ(ev("[] or {} or None"), "None");
  EXPECT_EQ(ev("1 and 2 and 3"), "3");
  EXPECT_EQ(ev("None or 0"), "0");
  EXPECT_EQ(ev("not []"), "True");
  EXPECT_EQ(ev("not 'a'"), "False");
  // Short-circuit: the right side is never evaluated.
  EXPECT_EQ(ev("1 or undefined_name"), "1");
  EXPECT_EQ(ev("0 and 1 / 0"), "0");
}

TEST(ConfigInterpreter, ConditionalExpressions) {
  EXPECT_EQ(ev("'a' if 0 else 'b'"), "'b'");
  EXPECT_EQ(ev("1 if [1] else 2"), "1");
  EXPECT_EQ(ev("1 if False else 2 if False else 3"), "3");
  EXPECT_EQ(ev("'ok' if True else 1 / 0"), "'ok'");
}

// ---------------------------------------------------------------------------
// Subscripts, slices, attributes

TEST(ConfigInterpreter, SubscriptsAndNegativeIndices) {
  std::string l = "l = [0, 1, 2, 3, 4, 5]\n";
  EXPECT_EQ(var(l + "x = l[0]\n"), "0");
  EXPECT_EQ(var(l + "x = l[-1]\n"), "5");
  EXPECT_EQ(var(l + "x = l[-6]\n"), "0");
  EXPECT_EQ(var(l + "x = l[True]\n"), "1");
  EXPECT_EQ(ev("'hello'[-1]"), "'o'");
  EXPECT_EQ(ev("(1, 2, 3)[1]"), "2");
  EXPECT_EQ(ev("dict(x=dict(y=[1, dict(z=5)]))['x']['y'][1]['z']"), "5");
  EXPECT_EQ(ev("{(1, 2): 'tuple key'}[(1, 2)]"), "'tuple key'");
  EXPECT_EQ(ev("{1: 'a'}[1.0]"), "'a'");
}

TEST(ConfigInterpreter, Slices) {
  std::string l = "l = [0, 1, 2, 3, 4, 5]\n";
  EXPECT_EQ(var(l + "x = l[1:3]\n"), "[1, 2]");
  EXPECT_EQ(var(l + "x = l[::-1]\n"), "[5, 4, 3, 2, 1, 0]");
  EXPECT_EQ(var(l + "x = l[::2]\n"), "[0, 2, 4]");
  EXPECT_EQ(var(l + "x = l[-2:]\n"), "[4, 5]");
  EXPECT_EQ(var(l + "x = l[:-2]\n"), "[0, 1, 2, 3]");
  EXPECT_EQ(var(l + "x = l[5:1:-2]\n"), "[5, 3]");
  EXPECT_EQ(var(l + "x = l[10:]\n"), "[]");
  EXPECT_EQ(var(l + "x = l[-100:2]\n"), "[0, 1]");
  EXPECT_EQ(var(l + "x = l[:]\n"), "[0, 1, 2, 3, 4, 5]");
  EXPECT_EQ(var(l + "x = l[::-2]\n"), "[5, 3, 1]");
  EXPECT_EQ(ev("'hello'[1:4]"), "'ell'");
  EXPECT_EQ(ev("'hello'[::-1]"), "'olleh'");
  EXPECT_EQ(ev("(1, 2, 3)[1:]"), "(2, 3)");
  EXPECT_EQ(var(l + "y = l[:]\ny.append(6)\nx = len(l)\n"), "6");  // a slice is a copy
  EXPECT_RAISES("x = [1][::0]\n", "ValueError", "slice step cannot be zero", 1, 8);
  EXPECT_RAISES("x = [1]['a':]\n", "TypeError", "slice indices must be integers or None", 1, 8);
}

TEST(ConfigInterpreter, SubscriptErrors) {
  EXPECT_RAISES("x = [1][5]\n", "IndexError", "list index out of range", 1, 8);
  EXPECT_RAISES("x = (1,)[-2]\n", "IndexError", "tuple index out of range", 1, 9);
  EXPECT_RAISES("x = ''[0]\n", "IndexError", "string index out of range", 1, 7);
  EXPECT_RAISES("x = {}['k']\n", "KeyError", "'k'", 1, 7);
  EXPECT_RAISES("d = dict(a=1)\nx = d[1]\n", "KeyError", "1", 2, 6);
  EXPECT_RAISES("x = [1]['a']\n", "TypeError", "list indices must be integers or slices, not str",
                1, 8);
  EXPECT_RAISES("x = 5[0]\n", "TypeError", "'int' object is not subscriptable", 1, 6);
  EXPECT_RAISES("x = None[0]\n", "TypeError", "'NoneType' object is not subscriptable", 1, 9);
}

TEST(ConfigInterpreter, AttributeAccessOnConfigDictButNotOnDict) {
  std::string cd = "from mmengine.config import ConfigDict\nc = ConfigDict(a=1, b=dict(c=2))\n";
  EXPECT_EQ(var(cd + "x = c.a + c.b.c\n"), "3");
  EXPECT_EQ(var(cd + "c.b.c = 20\nx = c['b']['c']\n"), "20");
  EXPECT_EQ(var(cd + "c.new = dict(k=1)\nx = c.new.k\n"), "1");  // assigned dicts convert
  EXPECT_EQ(var(cd + "del c.a\nx = list(c)\n"), "['b']");
  EXPECT_RAISES(cd + "x = c.missing\n", "AttributeError",
                "'ConfigDict' object has no attribute 'missing'", 3, 6);
  EXPECT_RAISES("d = dict(a=1)\nx = d.a\n", "AttributeError", "'dict' object has no attribute 'a'",
                2, 6);
  EXPECT_RAISES("d = dict(a=1)\nd.a = 2\n", "AttributeError", "'dict' object has no attribute 'a'",
                2, 2);
  EXPECT_RAISES("x = [1].nope\n", "AttributeError", "'list' object has no attribute 'nope'", 1, 8);
  EXPECT_RAISES("x = (1).real\n", "AttributeError", "'int' object has no attribute 'real'", 1, 8);
}

TEST(ConfigInterpreter, AttributeErrorSuggestsClosestKey) {
  std::string cd = "from mmengine.config import ConfigDict\nc = ConfigDict(backbone=1)\n";
  EXPECT_RAISES(cd + "x = c.backbon\n", "AttributeError",
                "'ConfigDict' object has no attribute 'backbon'. Did you mean: 'backbone'?", 3, 6);
}

// ---------------------------------------------------------------------------
// Containers and unpacking

TEST(ConfigInterpreter, DictForms) {
  std::string base = "base = dict(a=1, b=2)\n";
  EXPECT_EQ(var(base + "x = dict(base, c=3)\n"), "{'a': 1, 'b': 2, 'c': 3}");
  EXPECT_EQ(var(base + "x = {**base, 'b': 20, **{'z': 0}}\n"), "{'a': 1, 'b': 20, 'z': 0}");
  EXPECT_EQ(var(base + "x = dict(**base, d=4)\n"), "{'a': 1, 'b': 2, 'd': 4}");
  EXPECT_EQ(var(base + "x = {'b': 0, **base}\n"), "{'b': 2, 'a': 1}");  // keeps first position
  EXPECT_EQ(ev("dict([('x', 1), ('y', 2)])"), "{'x': 1, 'y': 2}");
  EXPECT_EQ(ev("dict(zip(['a', 'b'], [1, 2]))"), "{'a': 1, 'b': 2}");
  EXPECT_EQ(ev("{'a': 1, 'a': 2}"), "{'a': 2}");
  EXPECT_EQ(ev("{1: 'int', 'k': 'str', None: 0, (1, 2): 't'}"),
            "{1: 'int', 'k': 'str', None: 0, (1, 2): 't'}");
  EXPECT_EQ(ev("dict()"), "{}");
  EXPECT_RAISES("x = {[1]: 2}\n", "TypeError", "unhashable type: 'list'", 1, 5);
  EXPECT_RAISES("x = {**[1]}\n", "TypeError", "'list' object is not a mapping", 1, 5);
  EXPECT_RAISES("x = dict(**{1: 2})\n", "TypeError", "keywords must be strings", 1, 12);
  EXPECT_RAISES("d = dict(a=1)\nx = dict(**d, a=2)\n", "SyntaxError",
                "keyword argument repeated: a", 2, 17);
  EXPECT_RAISES("d = dict(a=1)\nx = dict(a=2, **d)\n", "TypeError",
                "got multiple values for keyword argument 'a'", 2, 17);
  EXPECT_RAISES("x = dict([(1, 2, 3)])\n", "ValueError",
                "dictionary update sequence element has length 3; 2 is required", 1, 9);
}

TEST(ConfigInterpreter, ListTupleSetForms) {
  std::string l = "l = [1, 2]\n";
  EXPECT_EQ(var(l + "x = [*l, 3, *(4, 5)]\n"), "[1, 2, 3, 4, 5]");
  EXPECT_EQ(var(l + "x = (*l,)\n"), "(1, 2)");
  EXPECT_EQ(var(l + "x = max(*l)\n"), "2");
  EXPECT_EQ(var(l + "x = [*'ab', *dict(k=1)]\n"), "['a', 'b', 'k']");
  EXPECT_EQ(ev("list('ab')"), "['a', 'b']");
  EXPECT_EQ(ev("tuple([1, 2])"), "(1, 2)");
  EXPECT_EQ(ev("(1,)"), "(1,)");
  EXPECT_EQ(ev("()"), "()");
  EXPECT_EQ(ev("sorted({3, 1, 2, 3})"), "[1, 2, 3]");
  EXPECT_EQ(ev("len({1, 1.0, True})"), "1");
  EXPECT_EQ(ev("set()"), "set()");
  EXPECT_RAISES("x = {[1]}\n", "TypeError", "unhashable type: 'list'", 1, 5);
  EXPECT_RAISES("x = [*5]\n", "TypeError", "'int' object is not iterable", 1, 5);
}

TEST(ConfigInterpreter, Comprehensions) {
  EXPECT_EQ(ev("[x * 2 for x in range(4) if x % 2 == 0]"), "[0, 4]");
  EXPECT_EQ(ev("{k: v for k, v in dict(a=1, b=2).items()}"), "{'a': 1, 'b': 2}");
  EXPECT_EQ(ev("sorted({x % 3 for x in range(10)})"), "[0, 1, 2]");
  EXPECT_EQ(ev("sum(x for x in range(5))"), "10");
  EXPECT_EQ(ev("[(i, j) for i in range(2) for j in range(2) if i != j]"), "[(0, 1), (1, 0)]");
  EXPECT_EQ(ev("[y for x in [[1, 2], [3]] for y in x]"), "[1, 2, 3]");
  EXPECT_EQ(ev("tuple(c for c in 'abc')"), "('a', 'b', 'c')");
  EXPECT_EQ(ev("[[i * j for j in range(3)] for i in range(2)]"), "[[0, 0, 0], [0, 1, 2]]");
  EXPECT_EQ(ev("dict((k, len(k)) for k in ['a', 'bb'])"), "{'a': 1, 'bb': 2}");
  EXPECT_EQ(ev("[a + b for a, b in zip([1, 2], [10, 20])]"), "[11, 22]");
  // The loop variable does not leak into the module.
  Value cfg = load("y = [i for i in range(3)]\n");
  EXPECT_FALSE(cfg.as_dict().contains("i"));
  // Globals are visible inside, and the first iterable is evaluated outside.
  EXPECT_EQ(var("n = 10\nx = [i + n for i in range(2)]\n"), "[10, 11]");
  EXPECT_RAISES("x = [i for i in 5]\n", "TypeError", "'int' object is not iterable", 1, 17);
  EXPECT_RAISES("for i in None:\n    pass\n", "TypeError", "'NoneType' object is not iterable", 1,
                10);
}

// ---------------------------------------------------------------------------
// Statements

TEST(ConfigInterpreter, ForLoopsWithBreakContinueElse) {
  std::string code =
      "out = []\n"
      "for i in range(10):\n"
      "    if i == 2:\n"
      "        continue\n"
      "    elif i == 5:\n"
      "        break\n"
      "    else:\n"
      "        out.append(i)\n"
      "else:\n"
      "    out.append('never')\n"
      "r = []\n"
      "for i in range(2):\n"
      "    r.append(i)\n"
      "else:\n"
      "    r.append('done')\n";
  Value cfg = load(code);
  EXPECT_EQ(cfg.as_dict().find("out")->repr(), "[0, 1, 3, 4]");
  EXPECT_EQ(cfg.as_dict().find("r")->repr(), "[0, 1, 'done']");
  EXPECT_EQ(cfg.as_dict().find("i")->repr(), "1");  // the loop variable is a module variable
  EXPECT_EQ(var("x = 0\nfor k, v in dict(a=1, b=2).items():\n    x += v\n"), "3");
  EXPECT_EQ(var("x = []\nfor i in range(3):\n    for j in range(3):\n        if j > i:\n"
                "            break\n        x.append((i, j))\n"),
            "[(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2)]");
  EXPECT_EQ(var("x = ''\nfor c in 'abc': x = c + x\n"), "'cba'");
}

TEST(ConfigInterpreter, IfElifElse) {
  std::string code =
      "v = {}\nif v > 100:\n    x = 'big'\nelif v > 1:\n    x = 'mid'\nelse:\n"
      "    x = 'small'\n";
  auto run = [&](int v) {
    std::string c = code;
    c.replace(c.find("{}"), 2, std::to_string(v));
    return var(c);
  };
  EXPECT_EQ(run(1000), "'big'");
  EXPECT_EQ(run(5), "'mid'");
  EXPECT_EQ(run(0), "'small'");
  EXPECT_EQ(var("if []: x = 1\nelse: x = 2\n"), "2");
  Value cfg = load("if False:\n    y = 1\n");
  EXPECT_FALSE(cfg.as_dict().contains("y"));
}

TEST(ConfigInterpreter, AugmentedAssignment) {
  EXPECT_EQ(var("x = 1\nx += 2\nx *= 3\nx -= 1\nx //= 3\nx **= 2\nx %= 5\n"), "4");
  EXPECT_EQ(var("x = 1\nx /= 2\n"), "0.5");
  EXPECT_EQ(var("x = 'a'\nx += 'b'\n"), "'ab'");
  EXPECT_EQ(var("x = (1,)\nx += (2,)\n"), "(1, 2)");
  EXPECT_EQ(var("x = 6\nx &= 3\nx |= 8\nx ^= 1\nx <<= 1\nx >>= 2\n"), "5");
  // `+=` on a list extends it in place: aliases see the change.
  Value cfg = load("lst = [1]\nalias = lst\nlst += [2]\nlst += (3,)\n");
  EXPECT_EQ(cfg.as_dict().find("alias")->repr(), "[1, 2, 3]");
  EXPECT_EQ(var("d = dict(n=1)\nd['n'] += 1\nx = d['n']\n"), "2");
  EXPECT_EQ(var("l = [1, 2]\nl[-1] *= 10\nx = l\n"), "[1, 20]");
  EXPECT_RAISES("x += 1\n", "NameError", "name 'x' is not defined", 1, 1);
}

TEST(ConfigInterpreter, AnnotatedAssignment) {
  Value cfg = load("y: int = 4\nz: float\nw: dict = dict(a=1)\n");
  EXPECT_EQ(cfg.as_dict().find("y")->repr(), "4");
  EXPECT_FALSE(cfg.as_dict().contains("z"));  // a bare annotation binds nothing
  EXPECT_EQ(cfg.as_dict().find("w")->repr(), "{'a': 1}");
}

TEST(ConfigInterpreter, ChainedAssignmentShares) {
  Value cfg = load("a = b = [1]\nb.append(2)\n");
  EXPECT_EQ(cfg.as_dict().find("a")->repr(), "[1, 2]");
  EXPECT_EQ(cfg.as_dict().find("b")->repr(), "[1, 2]");
  EXPECT_EQ(var("x = y = z = 3\n"), "3");
}

TEST(ConfigInterpreter, TupleUnpacking) {
  EXPECT_EQ(var("p, q = 1, 2\np, q = q, p\nx = (p, q)\n"), "(2, 1)");
  EXPECT_EQ(var("(m, n), o = (1, 2), 3\nx = [m, n, o]\n"), "[1, 2, 3]");
  EXPECT_EQ(var("[a, b] = 'xy'\nx = a + b\n"), "'xy'");
  EXPECT_EQ(var("first, *rest = [1, 2, 3]\nx = (first, rest)\n"), "(1, [2, 3])");
  EXPECT_EQ(var("*init, last = 'abc'\nx = (init, last)\n"), "(['a', 'b'], 'c')");
  EXPECT_EQ(var("h, *mid, t = range(5)\nx = (h, mid, t)\n"), "(0, [1, 2, 3], 4)");
  EXPECT_EQ(var("a, *b = (1,)\nx = b\n"), "[]");
  EXPECT_EQ(var("for i, (a, b) in enumerate([(1, 2)]):\n    x = i + a + b\n"), "3");
  EXPECT_RAISES("a, b = 1, 2, 3\n", "ValueError", "too many values to unpack (expected 2)", 1, 1);
  EXPECT_RAISES("a, b, c = 1, 2\n", "ValueError", "not enough values to unpack (expected 3, got 2)",
                1, 1);
  EXPECT_RAISES("a, *b, c = [1]\n", "ValueError", "not enough values to unpack", 1, 1);
  EXPECT_RAISES("a, b = 5\n", "TypeError", "'int' object is not iterable", 1, 1);
}

TEST(ConfigInterpreter, SubscriptAndSliceAssignment) {
  EXPECT_EQ(var("x = [1, 2, 3, 4]\nx[1:3] = ['a']\n"), "[1, 'a', 4]");
  EXPECT_EQ(var("x = [1, 2]\nx[:0] = [0]\n"), "[0, 1, 2]");
  EXPECT_EQ(var("x = [1, 2]\nx[5:] = [9]\n"), "[1, 2, 9]");
  EXPECT_EQ(var("x = [1, 2, 3, 4]\nx[::2] = [0, 0]\n"), "[0, 2, 0, 4]");
  EXPECT_EQ(var("x = [1, 2, 3]\nx[2:1] = ['a']\n"), "[1, 2, 'a', 3]");
  EXPECT_EQ(var("x = [1, 2, 3]\nx[-1:-5] = [9]\n"), "[1, 2, 9, 3]");
  EXPECT_EQ(var("x = [1, 2, 3]\nx[-10:0] = [0]\n"), "[0, 1, 2, 3]");
  EXPECT_EQ(var("x = [1, 2, 3]\nx[1:] = 'xy'\n"), "[1, 'x', 'y']");
  EXPECT_EQ(var("x = [1, 2, 3, 4]\nx[::-2] = ['p', 'q']\n"), "[1, 'q', 3, 'p']");
  EXPECT_EQ(var("x = [1, 2]\nx[-1] = 'end'\n"), "[1, 'end']");
  EXPECT_EQ(var("x = dict()\nx['a'] = dict()\nx['a']['b'] = 1\n"), "{'a': {'b': 1}}");
  EXPECT_RAISES("x = [1]\nx[3] = 0\n", "IndexError", "list assignment index out of range", 2, 2);
  EXPECT_RAISES("x = (1,)\nx[0] = 0\n", "TypeError",
                "'tuple' object does not support item assignment", 2, 2);
  EXPECT_RAISES("x = 'ab'\nx[0] = 'c'\n", "TypeError",
                "'str' object does not support item assignment", 2, 2);
  EXPECT_RAISES("x = [1, 2, 3]\nx[::2] = [0]\n", "ValueError",
                "attempt to assign sequence of size 1 to extended slice of size 2", 2, 2);
}

TEST(ConfigInterpreter, DelStatement) {
  Value cfg =
      load("y = 1\nz = 2\ndel y\nd = dict(k=1, j=2)\ndel d['k']\nl = [1, 2, 3]\ndel l[0]\n");
  EXPECT_FALSE(cfg.as_dict().contains("y"));
  EXPECT_EQ(cfg.as_dict().find("d")->repr(), "{'j': 2}");
  EXPECT_EQ(cfg.as_dict().find("l")->repr(), "[2, 3]");
  EXPECT_EQ(var("x = list(range(10))\ndel x[1:3]\n"), "[0, 3, 4, 5, 6, 7, 8, 9]");
  EXPECT_EQ(var("x = list(range(10))\ndel x[::3]\n"), "[1, 2, 4, 5, 7, 8]");
  EXPECT_EQ(var("x = list(range(5))\ndel x[::-2]\n"), "[1, 3]");
  EXPECT_EQ(var("x = dict(a=1, b=2, c=3)\ndel x['a'], x['b']\n"), "{'c': 3}");
  EXPECT_RAISES("x = (1, 2)\ndel x[:1]\n", "TypeError",
                "'tuple' object doesn't support item deletion", 2, 6);
  EXPECT_RAISES("del nope\n", "NameError", "name 'nope' is not defined", 1, 5);
  EXPECT_RAISES("d = {}\ndel d['k']\n", "KeyError", "'k'", 2, 6);
}

TEST(ConfigInterpreter, AssertAndPass) {
  EXPECT_EQ(var("assert 1 == 1, 'fine'\npass\nx = 1\n"), "1");
  EXPECT_RAISES("x = 1\nassert x == 2, f'x is {x}'\n", "AssertionError", "x is 1", 2, 1);
  EXPECT_RAISES("assert []\n", "AssertionError", "assertion failed", 1, 1);
}

TEST(ConfigInterpreter, DocstringsAndExpressionStatements) {
  Value cfg = load("\"\"\"Module docstring.\n\nMore text.\"\"\"\nx = 1\n'a bare string'\n1 + 1\n");
  EXPECT_EQ(cfg.repr(), "{'x': 1}");
}

TEST(ConfigInterpreter, SkippedMainBlock) {
  std::string code =
      "x = 1\n"
      "if __name__ == '__main__':\n"
      "    def main():\n"
      "        print('hi')\n"
      "    import os\n"
      "    main()\n"
      "    print(x)\n"
      "y = 2\n";
  EXPECT_EQ(load(code).repr(), "{'x': 1, 'y': 2}");
}

TEST(ConfigInterpreter, NamesStartingWithDoubleUnderscoreAreDropped) {
  EXPECT_EQ(load("__hidden = 1\n_kept = 2\nx = __hidden + 1\n").repr(), "{'_kept': 2, 'x': 2}");
}

TEST(ConfigInterpreter, ImportCopyDeepcopy) {
  std::string code =
      "import copy\n"
      "a = dict(x=[1], y=dict(z=1))\n"
      "b = copy.deepcopy(a)\n"
      "b['x'].append(2)\n"
      "b['y']['z'] = 2\n"
      "c = copy.copy(a)\n"
      "c['x'].append(3)\n";
  Value cfg = load(code);
  EXPECT_EQ(cfg.as_dict().find("a")->repr(), "{'x': [1, 3], 'y': {'z': 1}}");
  EXPECT_EQ(cfg.as_dict().find("b")->repr(), "{'x': [1, 2], 'y': {'z': 2}}");
  EXPECT_FALSE(cfg.as_dict().contains("copy"));  // modules are not config values
  EXPECT_EQ(var("from copy import deepcopy as dc\nx = dc([1])\n"), "[1]");
  EXPECT_EQ(var("import math\nx = (math.floor(2.5), math.ceil(2.1), math.pi > 3)\n"),
            "(2, 3, True)");
  EXPECT_EQ(var("import os.path as osp\nx = osp.join('a', 'b.py')\n"), "'a/b.py'");
  EXPECT_EQ(var("import os\nx = os.path.splitext('a/b.tar.gz')\n"), "('a/b.tar', '.gz')");
}

TEST(ConfigInterpreter, NameErrors) {
  EXPECT_RAISES("x = undefined_name\n", "NameError", "name 'undefined_name' is not defined", 1, 5);
  EXPECT_RAISES("batch_size = 1\nx = batch_sise\n", "NameError",
                "name 'batch_sise' is not defined. Did you mean: 'batch_size'?", 2, 5);
  EXPECT_RAISES("result = [loop_var for loop_var in range(2)]\ny = loop_var\n", "NameError",
                "name 'loop_var' is not defined", 2, 5);
}

// ---------------------------------------------------------------------------
// Unsupported constructs: a clear named error at file:line:col.

TEST(ConfigInterpreter, UnsupportedConstructsAreNamedErrors) {
  const std::string tail =
      " is not supported in mmcpp configs (configs are data: only assignments, expressions, "
      "if/for and imports of base configs run)";
  EXPECT_RAISES("a = 1\ndef f():\n    return 1\nb = f()\n", "SyntaxError", "'def'" + tail, 2, 1);
  EXPECT_RAISES("class A:\n    pass\n", "SyntaxError", "'class'" + tail, 1, 1);
  EXPECT_RAISES("i = 0\nwhile i < 3:\n    i += 1\n", "SyntaxError", "'while'" + tail, 2, 1);
  EXPECT_RAISES("try:\n    x = 1\nexcept Exception:\n    pass\n", "SyntaxError", "'try'" + tail, 1,
                1);
  EXPECT_RAISES("raise ValueError('x')\n", "SyntaxError", "'raise'" + tail, 1, 1);
  EXPECT_RAISES("x = 1\nf = lambda x: x\n", "SyntaxError",
                "lambda is not supported in mmcpp configs (configs hold data, not code)", 2, 5);
  EXPECT_RAISES("if (n := 3) > 1:\n    x = n\n", "SyntaxError",
                "the walrus operator ':=' is not supported in mmcpp configs", 1, 5);
  EXPECT_RAISES("x = 1\nwith open('f') as fh:\n    pass\n", "ConfigParsingError",
                "Only `read_base` context manager can be used in the config", 2, 1);
}

TEST(ConfigInterpreter, NoSystemAccessFromConfigs) {
  EXPECT_RAISES("import os\nos.system('ls')\n", "AttributeError",
                "module 'os' has no attribute 'system' (or it is not available in mmcpp configs)",
                2, 3);
  EXPECT_RAISES("import subprocess\n", "ImportError",
                "import of 'subprocess' is not available in mmcpp configs (a config is data; the "
                "standard-library helpers available are copy, math and os.path)",
                1, 1);
  EXPECT_RAISES("from os import system\n", "ImportError", "cannot import name 'system' from 'os'",
                1, 16);
  EXPECT_RAISES("x = open('/etc/passwd')\n", "NameError", "name 'open' is not defined", 1, 5);
  EXPECT_RAISES("x = __import__('os')\n", "NameError", "name '__import__' is not defined", 1, 5);
  EXPECT_RAISES("x = eval('1')\n", "NameError", "name 'eval' is not defined", 1, 5);
}

TEST(ConfigInterpreter, CallingNonCallables) {
  EXPECT_RAISES("x = 1()\n", "TypeError", "'int' object is not callable", 1, 6);
  EXPECT_RAISES("import math\nx = math()\n", "TypeError", "'module' object is not callable", 2, 9);
  EXPECT_RAISES("x = len([1], [2])\n", "TypeError",
                "len() takes 1 positional argument(s) but 2 were given", 1, 8);
  EXPECT_RAISES("x = len(5)\n", "TypeError", "object of type 'int' has no len()", 1, 8);
}

TEST(ConfigInterpreter, ErrorTextPointsAtTheExpression) {
  test::Raised r = raised("model = dict(\n    depth=1 / 0,\n)\n");
  EXPECT_EQ(r.what,
            "<string>.py:2:13: ZeroDivisionError: division by zero\n"
            "        depth=1 / 0,\n"
            "                ^");
}

}  // namespace
}  // namespace mmcpp::config
