// Builtin functions and the methods of config values (dict, ConfigDict, list,
// tuple, str), with the error texts Python gives for misuse.
#include <gtest/gtest.h>

#include "tests/config/interpreter_test_util.h"

namespace mmcpp::config {
namespace {

using test::ev;
using test::load;
using test::var;

const char* const kConfigDict = "from mmengine.config import ConfigDict\n";

// ---------------------------------------------------------------------------
// dict methods

TEST(ConfigInterpreterMethods, DictUpdateIsShallowOnPlainDicts) {
  EXPECT_EQ(var("x = dict(a=1, b=dict(c=2, d=3))\nx.update(dict(b=dict(c=5)))\n"),
            "{'a': 1, 'b': {'c': 5}}");
  EXPECT_EQ(var("x = dict(a=1)\nx.update(b=2, a=0)\n"), "{'a': 0, 'b': 2}");
  EXPECT_EQ(var("x = dict(a=1)\nx.update([('b', 2)], c=3)\n"), "{'a': 1, 'b': 2, 'c': 3}");
  EXPECT_EQ(var("x = dict(a=1)\nx.update()\n"), "{'a': 1}");
  EXPECT_RAISES("x = dict()\nx.update(1)\n", "TypeError", "'int' object is not iterable", 2, 9);
}

TEST(ConfigInterpreterMethods, ConfigDictUpdateIsRecursive) {
  std::string code = std::string(kConfigDict) +
                     "x = ConfigDict(a=1, b=dict(c=2, d=dict(e=3)))\n"
                     "x.update(dict(b=dict(d=dict(f=4), c=20)))\n"
                     "x.update(a=dict(new=1))\n";  // a non-dict value is replaced
  EXPECT_EQ(var(code), "{'a': {'new': 1}, 'b': {'c': 20, 'd': {'e': 3, 'f': 4}}}");
}

TEST(ConfigInterpreterMethods, ConfigDictMergeHonoursDelete) {
  std::string cd = kConfigDict;
  EXPECT_EQ(var(cd + "x = ConfigDict(a=dict(b=1, c=2), z=1)\n"
                     "x.merge(dict(a=dict(_delete_=True, q=1), n=2))\n"),
            "{'a': {'q': 1}, 'z': 1, 'n': 2}");
  EXPECT_EQ(var(cd + "x = ConfigDict(a=dict(b=1))\nx.merge(dict(a=dict(c=2)))\n"),
            "{'a': {'b': 1, 'c': 2}}");
  // _delete_ on a key the dict does not have is dropped, not kept.
  EXPECT_EQ(var(cd + "x = ConfigDict(a=1)\nx.merge(dict(b=dict(_delete_=True, k=1)))\n"),
            "{'a': 1, 'b': {'k': 1}}");
  // merge() works on a copy of its argument.
  EXPECT_EQ(var(cd + "o = dict(a=dict(_delete_=True))\nc = ConfigDict(a=dict(b=1))\n"
                     "c.merge(o)\nx = o\n"),
            "{'a': {'_delete_': True}}");
  EXPECT_RAISES("x = dict(a=1)\nx.merge(dict(b=2))\n", "AttributeError",
                "'dict' object has no attribute 'merge'", 2, 2);
}

TEST(ConfigInterpreterMethods, DictGetPopSetdefault) {
  std::string d = "d = dict(a=1, b=2)\n";
  EXPECT_EQ(var(d + "x = d.get('a')\n"), "1");
  EXPECT_EQ(var(d + "x = d.get('zz', 'dflt')\n"), "'dflt'");
  EXPECT_EQ(var(d + "x = d.get('zz')\n"), "None");
  EXPECT_EQ(var(d + "x = (d.pop('a'), d)\n"), "(1, {'b': 2})");
  EXPECT_EQ(var(d + "x = d.pop('nope', 7)\n"), "7");
  EXPECT_EQ(var(d + "s = d.setdefault('new', [1])\ns.append(2)\nx = d\n"),
            "{'a': 1, 'b': 2, 'new': [1, 2]}");
  EXPECT_EQ(var(d + "x = d.setdefault('a', 99)\n"), "1");
  EXPECT_EQ(var(d + "x = d.popitem()\n"), "('b', 2)");
  EXPECT_EQ(var(d + "d.clear()\nx = d\n"), "{}");
  EXPECT_RAISES(d + "x = d.pop('z')\n", "KeyError", "'z'", 2, 10);
  EXPECT_RAISES("x = {}.popitem()\n", "KeyError", "'popitem(): dictionary is empty'", 1, 15);
}

TEST(ConfigInterpreterMethods, ConfigDictGetPopSetdefault) {
  std::string cd = std::string(kConfigDict) + "c = ConfigDict(a=1)\n";
  EXPECT_EQ(var(cd + "x = c.pop('missing')\n"), "None");  // ConfigDict.pop defaults to None
  EXPECT_EQ(var(cd + "x = c.get('missing', 5)\n"), "5");
  // setdefault returns its argument, while the ConfigDict stores a converted copy.
  EXPECT_EQ(var(cd + "s = c.setdefault('new', dict(k=1))\ns['k'] = 2\nx = (s, c.new)\n"),
            "({'k': 2}, {'k': 1})");
  EXPECT_RAISES(cd + "s = c.setdefault('new', dict(k=1))\ns.k = 2\n", "AttributeError",
                "'dict' object has no attribute 'k'", 4, 2);
}

TEST(ConfigInterpreterMethods, DictCopyKeysItemsValues) {
  std::string d = "d = dict(a=1, b=dict(c=2))\n";
  EXPECT_EQ(var(d + "c = d.copy()\nc['a'] = 100\nc['b']['c'] = 3\nx = d\n"),
            "{'a': 1, 'b': {'c': 3}}");  // shallow
  EXPECT_EQ(var(d + "x = list(d.keys())\n"), "['a', 'b']");
  EXPECT_EQ(var(d + "x = list(d.items())\n"), "[('a', 1), ('b', {'c': 2})]");
  EXPECT_EQ(var(d + "x = list(d.values())\n"), "[1, {'c': 2}]");
  EXPECT_EQ(var(d + "x = [k for k in d]\n"), "['a', 'b']");
  EXPECT_EQ(var(d + "x = len(d)\n"), "2");
}

TEST(ConfigInterpreterMethods, ConfigDictCopyRebuildsListsLikeMMEngine) {
  std::string code = std::string(kConfigDict) +
                     "import copy\n"
                     "c = ConfigDict(l=[1], d=dict(x=1))\n"
                     "c2 = c.copy()\n"
                     "c2.l.append(2)\n"  // a new list: c.l is unchanged
                     "c2.d.x = 5\n"      // the same ConfigDict: c.d changes
                     "c3 = copy.copy(c)\n"
                     "c3.l.append(3)\n";
  Value cfg = load(code);
  EXPECT_EQ(cfg.as_dict().find("c")->repr(), "{'l': [1], 'd': {'x': 5}}");
  EXPECT_EQ(cfg.as_dict().find("c2")->repr(), "{'l': [1, 2], 'd': {'x': 5}}");
  EXPECT_EQ(cfg.as_dict().find("c3")->repr(), "{'l': [1, 3], 'd': {'x': 5}}");
}

TEST(ConfigInterpreterMethods, ConfigDictConstructorConvertsNestedDicts) {
  std::string cd = kConfigDict;
  EXPECT_EQ(var(cd + "c = ConfigDict(dict(x=[dict(y=1)]))\nx = c.x[0].y\n"), "1");
  EXPECT_EQ(var(cd + "c = ConfigDict([('a', dict(b=2))])\nx = c.a.b\n"), "2");
  EXPECT_EQ(var(cd + "x = dict(ConfigDict(a=1))\n"), "{'a': 1}");
}

// ---------------------------------------------------------------------------
// list, tuple and str methods

TEST(ConfigInterpreterMethods, ListMethods) {
  std::string code =
      "a = [1, 2]\n"
      "a.append(3)\n"
      "a.extend((4, 5))\n"
      "a.insert(0, 0)\n"
      "a.insert(-1, 'x')\n"
      "p = a.pop()\n"
      "p0 = a.pop(0)\n"
      "a.remove('x')\n"
      "x = (a, p, p0, a.index(3), [1, 1, 2].count(1))\n";
  EXPECT_EQ(var(code), "([1, 2, 3, 4], 5, 0, 2, 2)");
  EXPECT_EQ(var("x = [3, 1, 2]\nx.sort()\n"), "[1, 2, 3]");
  EXPECT_EQ(var("x = [3, 1, 2]\nx.sort(reverse=True)\n"), "[3, 2, 1]");
  EXPECT_EQ(var("x = [1, 2, 3]\nx.reverse()\n"), "[3, 2, 1]");
  EXPECT_EQ(var("a = [1]\nx = a.copy()\nx.append(2)\nx = (a, x)\n"), "([1], [1, 2])");
  EXPECT_EQ(var("x = [1]\nx.clear()\n"), "[]");
  EXPECT_EQ(ev("(1, 2, 1).count(1)"), "2");
  EXPECT_EQ(ev("(1, 2).index(2)"), "1");
  EXPECT_RAISES("x = [].pop()\n", "IndexError", "pop from empty list", 1, 11);
  EXPECT_RAISES("x = [1].pop(5)\n", "IndexError", "pop index out of range", 1, 12);
  EXPECT_RAISES("x = [1]\nx.remove(2)\n", "ValueError", "list.remove(x): x not in list", 2, 9);
  EXPECT_RAISES("x = [1].index(2)\n", "ValueError", "2 is not in list", 1, 14);
  EXPECT_RAISES("x = (1,)\nx.append(2)\n", "AttributeError",
                "'tuple' object has no attribute 'append'", 2, 2);
}

TEST(ConfigInterpreterMethods, StrFormat) {
  EXPECT_EQ(ev("'{} and {}'.format('a', 'b')"), "'a and b'");
  EXPECT_EQ(ev("'{0}{1}{0}'.format('x', 'y')"), "'xyx'");
  EXPECT_EQ(ev("'{name}_{n:03d}'.format(name='r', n=5)"), "'r_005'");
  EXPECT_EQ(ev("'{:>8.3f}'.format(3.14159)"), "'   3.142'");
  EXPECT_EQ(ev("'{0[a]}-{0[b]}'.format(dict(a=1, b=2))"), "'1-2'");
  EXPECT_EQ(ev("'{0[1]}'.format([5, 6])"), "'6'");
  EXPECT_EQ(ev("'{{}} {}'.format(1)"), "'{} 1'");
  EXPECT_EQ(ev("'{:^9}'.format('mid')"), "'   mid   '");
  EXPECT_EQ(ev("'{!r:>6}'.format('a')"), "\"   'a'\"");
  EXPECT_EQ(ev("'{:+.1e}'.format(-12345.6789)"), "'-1.2e+04'");
  EXPECT_EQ(ev("'{:g}|{:g}|{:g}'.format(1e-5, 123456789.0, 0.5)"), "'1e-05|1.23457e+08|0.5'");
  EXPECT_EQ(ev("'{:5}|{:<5}|{:05}'.format(1, 2, -3)"), "'    1|2    |-0003'");
  EXPECT_EQ(ev("'{:.3}'.format('abcdef')"), "'abc'");
  EXPECT_EQ(ev("'{:_}|{:,}'.format(10 ** 6, 1234567)"), "'1_000_000|1,234,567'");
  EXPECT_EQ(ev("'{:.2%}'.format(0.256)"), "'25.60%'");
  EXPECT_EQ(ev("'{:>{w}}'.format('a', w=3)"), "'  a'");
  EXPECT_EQ(ev("'{}'.format([1, 'a'])"), "\"[1, 'a']\"");
  EXPECT_RAISES("x = '{}'.format()\n", "IndexError",
                "Replacement index 0 out of range for positional args tuple", 1, 16);
  EXPECT_RAISES("x = '{x}'.format()\n", "KeyError", "'x'", 1, 17);
  EXPECT_RAISES("x = '}'.format()\n", "ValueError", "Single '}' encountered in format string", 1,
                15);
  EXPECT_RAISES("x = '{'.format()\n", "ValueError", "Single '{' encountered in format string", 1,
                15);
  EXPECT_RAISES("x = '{:d}'.format('a')\n", "ValueError",
                "Unknown format code 'd' for object of type 'str'", 1, 18);
}

TEST(ConfigInterpreterMethods, FormatSpecEdgeCases) {
  EXPECT_EQ(ev("'{:,.2f}|{:=+8}|{:05.1f}|{:+}'.format(1234.5, 5, -2.5, 0.0)"),
            "'1,234.50|+      5|-02.5|+0.0'");
  EXPECT_EQ(ev("'{:#o}|{:#b}|{:X}|{:#X}|{:c}'.format(8, 5, 255, 255, 65)"),
            "'0o10|0b101|FF|0XFF|A'");
  EXPECT_EQ(ev("'{:_x}|{:_o}|{:#_b}'.format(123456789, 4096, 10)"), "'75b_cd15|1_0000|0b1010'");
  EXPECT_EQ(ev("'{:.0f}|{:.1f}|{:.2f}'.format(0.5, 0.25, 2.675)"), "'0|0.2|2.67'");
  EXPECT_EQ(ev("'{:.3g}|{:g}|{:g}|{:g}'.format(1234567, 100000.0, 1e6, 1e-4)"),
            "'1.23e+06|100000|1e+06|0.0001'");
  EXPECT_EQ(ev("'{:05}|{:0>5}'.format('a', 'a')"), "'a0000|0000a'");  // '0' pads strings right
  EXPECT_EQ(ev("'{:5}|{}|{:d}'.format(True, False, True)"), "'    1|False|1'");
  EXPECT_EQ(ev("'{:10.3s}|{:*^10}'.format('abcdef', 'ab')"), "'abc       |****ab****'");
  EXPECT_EQ(ev("f'{3.14159=:.2f}|{2=}|{\"s\"=}'"), "'3.14159=3.14|2=2|\"s\"=\\'s\\''");
  EXPECT_RAISES("x = '{:>5}'.format(None)\n", "TypeError",
                "unsupported format string passed to NoneType.__format__", 1, 19);
  EXPECT_RAISES("x = f'{[1]:>5}'\n", "TypeError",
                "unsupported format string passed to list.__format__", 1, 7);
  EXPECT_RAISES("x = '{:,x}'.format(255)\n", "ValueError", "Cannot specify ',' with 'x'.", 1, 19);
}

TEST(ConfigInterpreterMethods, PrintfStyleFormatting) {
  EXPECT_EQ(ev("'%5.1f|%-5d|%+d' % (2.25, 3, 4)"), "'  2.2|3    |+4'");
  EXPECT_EQ(ev("'%-05d|%05d|%05s|% d|%+.2e' % (3, -3, 'a', 5, 1234.5)"),
            "'3    |-0003|    a| 5|+1.23e+03'");
  EXPECT_EQ(ev("'%5s|%-5s|%.3s|%5.1s|' % ('a', 'b', 'abcdef', 'xyz')"), "'    a|b    |abc|    x|'");
  EXPECT_EQ(ev("'%#o|%#x|%X|%i|%u' % (8, 255, 255, 3, 4)"), "'0o10|0xff|FF|3|4'");
  EXPECT_EQ(ev("'%d|%s|%r' % (3.9, 1.0, 'x')"), "\"3|1.0|'x'\"");
  EXPECT_EQ(ev("'%(a)s-%(b)05.1f' % {'a': 'x', 'b': 2.25}"), "'x-002.2'");
  EXPECT_EQ(ev("'%c%c' % ('a', 66)"), "'aB'");
  EXPECT_EQ(ev("'%s' % [1, 2]"), "'[1, 2]'");
  EXPECT_EQ(ev("'%s%%' % 50"), "'50%'");
  EXPECT_EQ(ev("'abc' % dict(a=1)"), "'abc'");
  EXPECT_RAISES("x = 'abc' % 5\n", "TypeError",
                "not all arguments converted during string formatting", 1, 11);
  EXPECT_RAISES("x = '%s %s' % ('a',)\n", "TypeError", "not enough arguments for format string", 1,
                13);
  EXPECT_RAISES("x = '%d' % 'a'\n", "TypeError", "%d format: a real number is required, not str", 1,
                10);
  EXPECT_RAISES("x = '%x' % 3.0\n", "TypeError", "%x format: an integer is required, not float", 1,
                10);
  EXPECT_RAISES("x = '%q' % 1\n", "ValueError",
                "unsupported format character 'q' (0x71) at index 1", 1, 10);
  EXPECT_RAISES("x = '%(k)s' % dict(a=1)\n", "KeyError", "'k'", 1, 13);
}

TEST(ConfigInterpreterMethods, StrMethods) {
  EXPECT_EQ(ev("'a.b.c'.split('.', 1)"), "['a', 'b.c']");
  EXPECT_EQ(ev("'a.b.c'.rsplit('.', 1)"), "['a.b', 'c']");
  EXPECT_EQ(ev("'a,b,,c'.split(',')"), "['a', 'b', '', 'c']");
  EXPECT_EQ(ev("' x  y '.split()"), "['x', 'y']");
  EXPECT_EQ(ev("'x'.join(['1', '2', '3'])"), "'1x2x3'");
  EXPECT_EQ(ev("'  pad  '.strip()"), "'pad'");
  EXPECT_EQ(ev("'xxsxx'.lstrip('x') + '|' + 'xxsxx'.rstrip('x')"), "'sxx|xxs'");
  EXPECT_EQ(ev("'abc'.replace('b', '').upper()"), "'AC'");
  EXPECT_EQ(ev("'work_dirs/exp'.rpartition('/')"), "('work_dirs', '/', 'exp')");
  EXPECT_EQ(ev("'resnet50_8xb32'.startswith('resnet')"), "True");
  EXPECT_EQ(ev("'abc'.endswith(('x', 'c'))"), "True");
  EXPECT_EQ(ev("'Hello World'.lower().title()"), "'Hello World'");
  EXPECT_EQ(ev("'abc'.center(7, '*')"), "'**abc**'");
  EXPECT_EQ(ev("'v1'.removeprefix('v')"), "'1'");
  EXPECT_EQ(ev("'abc'.find('z')"), "-1");
  EXPECT_EQ(ev("'ab'.ljust(4, '.') + '|' + 'ab'.rjust(4)"), "'ab..|  ab'");
  EXPECT_EQ(ev("'5'.zfill(3)"), "'005'");
  EXPECT_EQ(ev("'abc'.capitalize()"), "'Abc'");
  EXPECT_EQ(ev("'12'.isdigit()"), "True");
  EXPECT_RAISES("x = 'a'.index('b')\n", "ValueError", "substring not found", 1, 14);
  EXPECT_RAISES("x = '-'.join([1])\n", "TypeError",
                "sequence item 0: expected str instance, int found", 1, 13);
  EXPECT_RAISES("x = 'x'.nope()\n", "AttributeError", "'str' object has no attribute 'nope'", 1, 8);
}

TEST(ConfigInterpreterMethods, StringsIndexAndPadByCharacterNotByte) {
  std::string s = "s = 'h\xc3\xa9llo w\xc3\xb6rld'\n";
  EXPECT_EQ(var(s + "x = [s[1], s[-1], s[1:4], len(s)]\n"), "['\xc3\xa9', 'd', '\xc3\xa9ll', 11]");
  EXPECT_EQ(var(s + "x = s[::-1]\n"), "'dlr\xc3\xb6w oll\xc3\xa9h'");
  EXPECT_EQ(var(s + "x = [s.find('l'), s.rfind('l'), s.index('o')]\n"), "[2, 9, 4]");
  EXPECT_EQ(ev("'{:>6}|'.format('\xc3\xa9')"), "'     \xc3\xa9|'");
  EXPECT_EQ(ev("'\xc3\xa9'.center(5, '*')"), "'**\xc3\xa9**'");
  EXPECT_EQ(ev("'{:.2}'.format('\xc3\xa4\xc3\xb6\xc3\xbc')"), "'\xc3\xa4\xc3\xb6'");
  EXPECT_EQ(ev("'%3s|' % '\xc3\xa9'"), "'  \xc3\xa9|'");
  EXPECT_EQ(ev("'\xc3\xb1'.zfill(3)"), "'00\xc3\xb1'");
}

// ---------------------------------------------------------------------------
// Builtin functions

TEST(ConfigInterpreterBuiltins, RoundIsBankersRounding) {
  EXPECT_EQ(ev("[round(0.5), round(1.5), round(2.5), round(-0.5), round(-1.5), round(3.7)]"),
            "[0, 2, 2, 0, -2, 4]");
  EXPECT_EQ(ev("round(2.5)"), "2");  // an int
  EXPECT_EQ(ev("round(7)"), "7");
  EXPECT_EQ(ev("round(0.5, None)"), "0");
  // With ndigits: a float, correctly rounded from the exact binary value.
  EXPECT_EQ(ev("[round(2.675, 2), round(1.25, 1), round(1.35, 1), round(0.125, 2)]"),
            "[2.67, 1.2, 1.4, 0.12]");
  EXPECT_EQ(ev("round(2.5, 0)"), "2.0");
  EXPECT_EQ(ev("round(123.456, -1)"), "120.0");
  EXPECT_EQ(ev("[round(155, -1), round(145, -1), round(5, 2)]"), "[160, 140, 5]");
  EXPECT_EQ(ev("round(3.14159, ndigits=3)"), "3.142");
  EXPECT_RAISES("x = round('a')\n", "TypeError", "type str doesn't define __round__ method", 1, 10);
  EXPECT_RAISES("x = round(float('inf'))\n", "OverflowError",
                "cannot convert float infinity to integer", 1, 10);
  EXPECT_RAISES("x = round(float('nan'))\n", "ValueError", "cannot convert float NaN to integer", 1,
                10);
  EXPECT_EQ(ev("round(1e20)"), "100000000000000000000");
}

TEST(ConfigInterpreterBuiltins, IntAndFloat) {
  EXPECT_EQ(ev("[int(3.9), int(-3.9), int('42'), int(' 7 '), int('-12'), int('+5'), int(True)]"),
            "[3, -3, 42, 7, -12, 5, 1]");
  EXPECT_EQ(ev("[int('ff', 16), int('0x1f', 0), int('0b101', 2), int('1_000'), int()]"),
            "[255, 31, 5, 1000, 0]");
  EXPECT_EQ(ev("[float(3), float('1.5'), float('1e-3'), float(' 2 '), float()]"),
            "[3.0, 1.5, 0.001, 2.0, 0.0]");
  EXPECT_EQ(ev("[float('inf'), float('-Infinity'), float('1_0.5')]"), "[inf, -inf, 10.5]");
  EXPECT_EQ(ev("[bool(0), bool([1]), bool('')]"), "[False, True, False]");
  EXPECT_RAISES("x = int('abc')\n", "ValueError", "invalid literal for int() with base 10: 'abc'",
                1, 8);
  EXPECT_RAISES("x = int('12', 1)\n", "ValueError", "int() base must be >= 2 and <= 36, or 0", 1,
                8);
  EXPECT_RAISES("x = int([1])\n", "TypeError",
                "int() argument must be a string, a bytes-like object or a real number, not 'list'",
                1, 8);
  EXPECT_RAISES("x = int(float('nan'))\n", "ValueError", "cannot convert float NaN to integer", 1,
                8);
  EXPECT_RAISES("x = float('x')\n", "ValueError", "could not convert string to float: 'x'", 1, 10);
  EXPECT_RAISES("x = float('0x10')\n", "ValueError", "could not convert string to float: '0x10'", 1,
                10);
}

TEST(ConfigInterpreterBuiltins, LenStrRangeAbs) {
  EXPECT_EQ(ev("[len('h\xc3\xa9llo'), len([1, 2]), len({'a': 1}), len((1,)), len({1, 2, 2})]"),
            "[5, 2, 1, 1, 2]");
  EXPECT_EQ(ev("[list(range(3)), list(range(1, 4)), list(range(10, 0, -3)), list(range(0))]"),
            "[[0, 1, 2], [1, 2, 3], [10, 7, 4, 1], []]");
  EXPECT_EQ(ev("[abs(-3), abs(-2.5), abs(True)]"), "[3, 2.5, 1]");
  EXPECT_EQ(ev("[str(1), str(1.0), str(None), str([1, 'a']), str((1,)), str(True), str(1e-5)]"),
            "['1', '1.0', 'None', \"[1, 'a']\", '(1,)', 'True', '1e-05']");
  EXPECT_EQ(ev("str({'a': 1})"), "\"{'a': 1}\"");
  EXPECT_RAISES("x = range(1.5)\n", "TypeError",
                "'float' object cannot be interpreted as an integer", 1, 10);
  EXPECT_RAISES("x = range(1, 2, 0)\n", "ValueError", "range() arg 3 must not be zero", 1, 10);
  EXPECT_RAISES("x = abs('a')\n", "TypeError", "bad operand type for abs(): 'str'", 1, 8);
}

TEST(ConfigInterpreterBuiltins, MaxMinSortedSum) {
  EXPECT_EQ(ev("[max(1, 2.5), max([1, 5, 3]), min('b', 'a'), max([], default=7), min(3, 1, 2)]"),
            "[2.5, 5, 'a', 7, 1]");
  EXPECT_EQ(ev("[sorted([3, 1, 2]), sorted('cba'), sorted([3, 1, 2], reverse=True)]"),
            "[[1, 2, 3], ['a', 'b', 'c'], [3, 2, 1]]");
  EXPECT_EQ(ev("sorted({'b': 1, 'a': 2})"), "['a', 'b']");
  EXPECT_EQ(ev("sorted([(2, 'a'), (1, 'b'), (1, 'a')])"), "[(1, 'a'), (1, 'b'), (2, 'a')]");
  EXPECT_EQ(ev("[sum([1, 2, 3]), sum([0.1, 0.2]), sum([[1], [2]], []), sum(range(5), 10)]"),
            "[6, 0.30000000000000004, [1, 2], 20]");
  EXPECT_EQ(ev("list(reversed([1, 2, 3]))"), "[3, 2, 1]");
  EXPECT_EQ(ev("[any([0, 1]), all([1, 0]), any([]), all([])]"), "[True, False, False, True]");
  EXPECT_EQ(ev("[divmod(7, 2), divmod(-7, 2), pow(2, 3), pow(2, -1)]"),
            "[(3, 1), (-4, 1), 8, 0.5]");
  EXPECT_RAISES("x = max([])\n", "ValueError", "max() arg is an empty sequence", 1, 8);
  EXPECT_RAISES("x = min(1)\n", "TypeError", "'int' object is not iterable", 1, 8);
  EXPECT_RAISES("x = sorted([1, 'a'])\n", "TypeError",
                "'<' not supported between instances of 'str' and 'int'", 1, 11);
  EXPECT_RAISES("x = sum(['a'])\n", "TypeError",
                "unsupported operand type(s) for +: 'int' and 'str'", 1, 8);
  EXPECT_RAISES("x = sorted([2, 1], key=len)\n", "TypeError",
                "sorted() got an unexpected keyword argument 'key'", 1, 11);
}

TEST(ConfigInterpreterBuiltins, EnumerateZipListTupleDict) {
  EXPECT_EQ(ev("list(enumerate(['a', 'b']))"), "[(0, 'a'), (1, 'b')]");
  EXPECT_EQ(ev("list(enumerate('ab', 1))"), "[(1, 'a'), (2, 'b')]");
  EXPECT_EQ(ev("list(enumerate('ab', start=5))"), "[(5, 'a'), (6, 'b')]");
  EXPECT_EQ(ev("dict(enumerate('xy'))"), "{0: 'x', 1: 'y'}");
  EXPECT_EQ(ev("list(zip([1, 2, 3], 'ab'))"), "[(1, 'a'), (2, 'b')]");
  EXPECT_EQ(ev("list(zip())"), "[]");
  EXPECT_EQ(ev("[tuple('ab'), list((1, 2)), dict(a=1), list(dict(a=1, b=2))]"),
            "[('a', 'b'), [1, 2], {'a': 1}, ['a', 'b']]");
  EXPECT_RAISES("x = list(1)\n", "TypeError", "'int' object is not iterable", 1, 9);
  EXPECT_RAISES("x = zip(1)\n", "TypeError", "'int' object is not iterable", 1, 8);
  EXPECT_RAISES("x = list([1], [2])\n", "TypeError",
                "list() takes 0 to 1 positional argument(s) but 2 were given", 1, 9);
  EXPECT_RAISES("x = list(a=1)\n", "TypeError", "list() takes no keyword arguments (got 'a')", 1,
                9);
}

TEST(ConfigInterpreterBuiltins, BuiltinsCanBeShadowed) {
  // Configs often use names like `type`, `input` or `min` as variables.
  EXPECT_EQ(var("len = 3\nx = len * 2\n"), "6");
  EXPECT_EQ(var("min = dict(a=1)\nx = min['a']\n"), "1");
  EXPECT_EQ(load("len = 3\n").repr(), "{'len': 3}");
}

TEST(ConfigInterpreterBuiltins, BuiltinFunctionsAreNotConfigValues) {
  // A name bound to a builtin function is dropped, like imported modules.
  EXPECT_EQ(load("f = len\nx = f([1, 2])\n").repr(), "{'x': 2}");
}

}  // namespace
}  // namespace mmcpp::config
