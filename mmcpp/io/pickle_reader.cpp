#include "mmcpp/io/pickle_reader.h"

#include <charconv>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "mmcpp/core/error.h"
#include "mmcpp/core/utf8.h"
#include "mmcpp/io/pickle_globals.h"
#include "mmcpp/io/pickle_literals.h"

namespace mmcpp::io {
namespace {

using detail::make_long;
using detail::parse_decimal;
using detail::py2_string;
using detail::raw_unicode_unescape;
using detail::Site;
using detail::unescape_string;

class Unpickler {
 public:
  Unpickler(std::string_view data, std::size_t& pos, const std::string& source,
            const PickleOptions& options)
      : data_(data), pos_(pos), source_(source), options_(options) {}

  ~Unpickler() {
    // After a failure: free everything built so far without recursion (and
    // whatever forms cycles). After success only unreachable leftovers remain.
    for (auto& c : containers_) c.clear_children();
  }

  PyObject run();

 private:
  Site site() const { return Site{source_, op_pos_, options_}; }
  [[noreturn]] void fail(const std::string& msg) const { detail::fail(site(), msg); }

  // ---- input ----
  void need(std::size_t n) const {
    if (n > data_.size() - pos_)
      throw Error("UnpicklingError", "pickle data was truncated in " + source_ + " at byte " +
                                         std::to_string(op_pos_) + " (needed " + std::to_string(n) +
                                         " more bytes, " + std::to_string(data_.size() - pos_) +
                                         " left)");
  }
  std::string_view take(std::size_t n) {
    need(n);
    std::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  std::uint64_t read_le(std::size_t n) {
    std::string_view b = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
      v |= std::uint64_t{static_cast<unsigned char>(b[i])} << (8 * i);
    return v;
  }
  std::size_t read_length(std::size_t width) {
    std::uint64_t n = read_le(width);
    need(n);  // a length can never exceed the rest of the data
    return static_cast<std::size_t>(n);
  }
  std::string_view read_line() {
    std::size_t end = data_.find('\n', pos_);
    if (end == std::string_view::npos) {
      pos_ = data_.size();
      need(1);
    }
    std::string_view line = data_.substr(pos_, end - pos_);
    pos_ = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  }

  // ---- stack ----
  std::size_t fence() const { return marks_.empty() ? 0 : marks_.back(); }
  PyObject pop() {
    if (stack_.size() <= fence()) fail("unpickling stack underflow");
    PyObject v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PyObject& top() {
    if (stack_.size() <= fence()) fail("unpickling stack underflow");
    return stack_.back();
  }
  PyObject::Items pop_mark() {
    if (marks_.empty()) fail("could not find MARK");
    std::size_t m = marks_.back();
    marks_.pop_back();
    PyObject::Items items(std::make_move_iterator(stack_.begin() + static_cast<long>(m)),
                          std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  void push(PyObject v) { stack_.push_back(std::move(v)); }
  // Containers are tracked so they can be freed without recursion.
  PyObject track(PyObject v) {
    containers_.push_back(v);
    return v;
  }
  void push_container(PyObject v) { push(track(std::move(v))); }

  // ---- memo ----
  void memo_put(std::uint64_t key) { memo_[key] = top(); }
  PyObject memo_get(std::uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo value not found at index " + std::to_string(key));
    return it->second;
  }

  std::string read_utf8(std::size_t n) {
    std::string s(take(n));
    if (!utf8::valid(s)) fail("invalid UTF-8 in a str");
    return s;
  }

  void append_items(PyObject& target, PyObject::Items items);
  void set_items(PyObject& target, PyObject::Items kv);
  PyObject make_set(PyObject::Items items, bool frozen);
  PyObject as_tuple_args(PyObject v, const char* op);
  std::unordered_set<const void*> check_result(const PyObject& result);
  bool dispatch(unsigned char op);

  std::string_view data_;
  std::size_t& pos_;
  const std::string& source_;
  const PickleOptions& options_;
  std::size_t op_pos_ = 0;
  int protocol_ = 0;
  std::vector<PyObject> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, PyObject> memo_;
  std::vector<PyObject> containers_;
  PyObject result_;
};

void Unpickler::append_items(PyObject& target, PyObject::Items items) {
  if (target.is_list()) {
    auto& v = target.items();
    for (auto& x : items) v.push_back(std::move(x));
  } else if (target.is_object()) {
    // obj.extend()/append() on an opaque object: recorded, not run.
    auto& v = target.as_object().list_items;
    for (auto& x : items) v.push_back(std::move(x));
  } else {
    fail("APPEND(S) to a " + target.type_name() + " (expected a list)");
  }
}

void Unpickler::set_items(PyObject& target, PyObject::Items kv) {
  if (kv.size() % 2 != 0) fail("odd number of items for SETITEMS");
  if (target.is_dict()) {
    auto& d = target.as_dict();
    for (std::size_t i = 0; i < kv.size(); i += 2) {
      try {
        d.set(kv[i], std::move(kv[i + 1]));
      } catch (const Error& e) {
        fail(e.what());
      }
    }
  } else if (target.is_object()) {
    auto& v = target.as_object().dict_items;
    for (std::size_t i = 0; i < kv.size(); i += 2) v.emplace_back(kv[i], std::move(kv[i + 1]));
  } else {
    fail("SETITEM(S) on a " + target.type_name() + " (expected a dict)");
  }
}

PyObject Unpickler::make_set(PyObject::Items items, bool frozen) {
  PyObject s = track(PyObject::set({}, frozen));
  std::unordered_set<std::string> seen;
  for (auto& x : items) {
    std::string id;
    try {
      id = dict_key_id(x);
    } catch (const Error& e) {
      fail(e.what());
    }
    if (seen.insert(id).second) s.items().push_back(std::move(x));
  }
  return s;
}

PyObject Unpickler::as_tuple_args(PyObject v, const char* op) {
  if (!v.is_tuple()) fail(std::string(op) + " arguments must be a tuple, got " + v.type_name());
  return v;
}

// Rejects self-referencing results and ones nested too deeply for the
// recursive consumers (repr, writer, destructors). Iterative on purpose.
std::unordered_set<const void*> Unpickler::check_result(const PyObject& result) {
  enum : char { kActive = 1, kDone = 2 };
  std::unordered_map<const void*, char> state;
  struct Frame {
    PyObject obj;
    std::vector<PyObject> children;
    std::size_t next = 0;
  };
  std::vector<Frame> path;
  auto enter = [&](const PyObject& o) {
    if (!o.id()) return;
    auto [it, fresh] = state.emplace(o.id(), kActive);
    if (!fresh) {
      if (it->second == kActive) fail("self-referencing (recursive) structures are not supported");
      return;
    }
    if (path.size() >= options_.max_nesting)
      fail("data nested deeper than " + std::to_string(options_.max_nesting) + " levels");
    Frame f{o, {}, 0};
    o.for_each_child([&](const PyObject& c) {
      if (c.id()) f.children.push_back(c);
    });
    path.push_back(std::move(f));
  };
  enter(result);
  while (!path.empty()) {
    Frame& f = path.back();
    if (f.next < f.children.size()) {
      PyObject child = f.children[f.next++];
      enter(child);
    } else {
      state[f.obj.id()] = kDone;
      path.pop_back();
    }
  }
  std::unordered_set<const void*> reachable;
  for (const auto& [id, s] : state) reachable.insert(id);
  return reachable;
}

PyObject Unpickler::run() {
  while (true) {
    op_pos_ = pos_;
    need(1);
    auto op = static_cast<unsigned char>(data_[pos_++]);
    if (!dispatch(op)) break;
  }
  std::unordered_set<const void*> reachable = check_result(result_);
  // Leftovers (popped, only in the memo) may be deep or cyclic: free them flat.
  for (auto& c : containers_)
    if (!reachable.count(c.id())) c.clear_children();
  containers_.clear();
  return std::move(result_);
}

// Executes one opcode; false after STOP.
bool Unpickler::dispatch(unsigned char op) {
  switch (op) {
    // ---- framing and protocol ----
    case 0x80: {  // PROTO
      protocol_ = static_cast<unsigned char>(take(1)[0]);
      if (protocol_ > 5) fail("unsupported pickle protocol: " + std::to_string(protocol_));
      return true;
    }
    case 0x95:
      read_length(8);
      return true;  // FRAME: advisory only
    case '.':
      result_ = pop();
      return false;  // STOP
    // ---- stack manipulation ----
    case '(':
      marks_.push_back(stack_.size());
      return true;  // MARK
    case '0':
      pop();
      return true;  // POP
    case '1':
      pop_mark();
      return true;  // POP_MARK
    case '2':
      push(top());
      return true;  // DUP
    // ---- constants and numbers ----
    case 'N':
      push(PyObject());
      return true;
    case 0x88:
      push(PyObject::from_bool(true));
      return true;
    case 0x89:
      push(PyObject::from_bool(false));
      return true;
    case 'J':
      push(PyObject::from_int(static_cast<std::int32_t>(read_le(4))));
      return true;
    case 'K':
      push(PyObject::from_int(static_cast<std::int64_t>(read_le(1))));
      return true;
    case 'M':
      push(PyObject::from_int(static_cast<std::int64_t>(read_le(2))));
      return true;
    case 0x8a: {  // LONG1
      std::size_t n = read_length(1);
      push(make_long(std::string(take(n))));
      return true;
    }
    case 0x8b: {  // LONG4 (signed length)
      auto n = static_cast<std::int32_t>(read_le(4));
      if (n < 0) fail("LONG4 with a negative byte count");
      push(make_long(std::string(take(static_cast<std::size_t>(n)))));
      return true;
    }
    case 'I': {  // INT (text); "00"/"01" are protocol 0's False/True
      std::string_view line = read_line();
      if (line == "00" || line == "01") {
        push(PyObject::from_bool(line == "01"));
        return true;
      }
      PyObject v;
      if (!parse_decimal(line, v)) fail("invalid INT literal");
      push(std::move(v));
      return true;
    }
    case 'L': {  // LONG (text)
      PyObject v;
      if (!parse_decimal(read_line(), v)) fail("invalid LONG literal");
      push(std::move(v));
      return true;
    }
    case 'G': {  // BINFLOAT: big-endian IEEE double
      std::string_view b = take(8);
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<unsigned char>(b[i]);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      push(PyObject::from_float(d));
      return true;
    }
    case 'F': {  // FLOAT (text)
      std::string_view line = read_line();
      double d = 0;
      auto r = std::from_chars(line.data(), line.data() + line.size(), d);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size()) fail("invalid FLOAT literal");
      push(PyObject::from_float(d));
      return true;
    }
    // ---- strings and bytes ----
    case 'X':
      push(PyObject::str(read_utf8(read_length(4))));
      return true;  // BINUNICODE
    case 0x8c:
      push(PyObject::str(read_utf8(read_length(1))));
      return true;  // SHORT_BINUNICODE
    case 0x8d:
      push(PyObject::str(read_utf8(read_length(8))));
      return true;  // BINUNICODE8
    case 'B':
      push(PyObject::bytes(std::string(take(read_length(4)))));
      return true;  // BINBYTES
    case 'C':
      push(PyObject::bytes(std::string(take(read_length(1)))));
      return true;  // SHORT_BINBYTES
    case 0x8e:
      push(PyObject::bytes(std::string(take(read_length(8)))));
      return true;  // BINBYTES8
    case 0x96:
      push(PyObject::bytes(std::string(take(read_length(8)))));
      return true;  // BYTEARRAY8
    case 'T': {     // BINSTRING (signed length)
      auto n = static_cast<std::int32_t>(read_le(4));
      if (n < 0) fail("BINSTRING with a negative length");
      push(py2_string(std::string(take(static_cast<std::size_t>(n)))));
      return true;
    }
    case 'U':
      push(py2_string(std::string(take(read_length(1)))));
      return true;  // SHORT_BINSTRING
    case 'S': {     // STRING: a quoted Python 2 repr
      std::string_view line = read_line();
      std::string s;
      if (line.size() < 2 || (line[0] != '\'' && line[0] != '"') || line.back() != line[0] ||
          !unescape_string(line.substr(1, line.size() - 2), s))
        fail("the STRING opcode argument must be quoted");
      push(py2_string(std::move(s)));
      return true;
    }
    case 'V': {  // UNICODE: raw-unicode-escape text
      std::string s;
      if (!raw_unicode_unescape(read_line(), s)) fail("invalid UNICODE literal");
      push(PyObject::str(std::move(s)));
      return true;
    }
    // ---- containers ----
    case ')':
      push(PyObject::tuple());
      return true;
    case 0x85: {  // TUPLE1..3
      PyObject a = pop();
      push_container(PyObject::tuple({std::move(a)}));
      return true;
    }
    case 0x86: {
      PyObject b = pop(), a = pop();
      push_container(PyObject::tuple({std::move(a), std::move(b)}));
      return true;
    }
    case 0x87: {
      PyObject c = pop(), b = pop(), a = pop();
      push_container(PyObject::tuple({std::move(a), std::move(b), std::move(c)}));
      return true;
    }
    case 't':
      push_container(PyObject::tuple(pop_mark()));
      return true;
    case ']':
      push_container(PyObject::list());
      return true;
    case 'l':
      push_container(PyObject::list(pop_mark()));
      return true;
    case '}':
      push_container(PyObject::dict());
      return true;
    case 'd': {  // DICT from MARK k v k v ...
      PyObject d = track(PyObject::dict());
      set_items(d, pop_mark());
      push(std::move(d));
      return true;
    }
    case 0x8f:
      push_container(PyObject::set());
      return true;  // EMPTY_SET
    case 0x91:
      push(make_set(pop_mark(), true));
      return true;  // FROZENSET
    case 'a': {     // APPEND
      PyObject v = pop();
      append_items(top(), {std::move(v)});
      return true;
    }
    case 'e': {  // APPENDS
      PyObject::Items items = pop_mark();
      append_items(top(), std::move(items));
      return true;
    }
    case 's': {  // SETITEM
      PyObject v = pop(), k = pop();
      set_items(top(), {std::move(k), std::move(v)});
      return true;
    }
    case 'u': {  // SETITEMS
      PyObject::Items kv = pop_mark();
      set_items(top(), std::move(kv));
      return true;
    }
    case 0x90: {  // ADDITEMS
      PyObject::Items items = pop_mark();
      PyObject& s = top();
      if (s.kind() != PyKind::Set) fail("ADDITEMS on a " + s.type_name() + " (expected a set)");
      PyObject::Items all = s.items();
      for (auto& x : items) all.push_back(std::move(x));
      s.items() = make_set(std::move(all), false).items();
      return true;
    }
    // ---- memo ----
    case 'p': {  // PUT (text)
      std::string_view line = read_line();
      std::uint64_t k = 0;
      auto r = std::from_chars(line.data(), line.data() + line.size(), k);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size()) fail("invalid PUT index");
      memo_put(k);
      return true;
    }
    case 'q':
      memo_put(read_le(1));
      return true;  // BINPUT
    case 'r':
      memo_put(read_le(4));
      return true;  // LONG_BINPUT
    case 0x94:
      memo_put(memo_.size());
      return true;  // MEMOIZE
    case 'g': {     // GET (text)
      std::string_view line = read_line();
      std::uint64_t k = 0;
      auto r = std::from_chars(line.data(), line.data() + line.size(), k);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size()) fail("invalid GET index");
      push(memo_get(k));
      return true;
    }
    case 'h':
      push(memo_get(read_le(1)));
      return true;  // BINGET
    case 'j':
      push(memo_get(read_le(4)));
      return true;  // LONG_BINGET
    // ---- globals and object construction (the policy lives in pickle_globals) ----
    case 'c': {  // GLOBAL
      std::string module(read_line());
      std::string name(read_line());
      push(detail::find_global(module, name, site()));
      return true;
    }
    case 0x93: {  // STACK_GLOBAL
      PyObject name = pop(), module = pop();
      if (!name.is_str() || !module.is_str()) fail("STACK_GLOBAL requires str module and name");
      push(detail::find_global(module.as_str(), name.as_str(), site()));
      return true;
    }
    case 'R': {  // REDUCE
      PyObject args = as_tuple_args(pop(), "REDUCE");
      PyObject callable = pop();
      push(track(detail::call(callable, args.items(), site())));
      return true;
    }
    case 0x81: {  // NEWOBJ
      PyObject args = as_tuple_args(pop(), "NEWOBJ");
      PyObject cls = pop();
      push(track(detail::new_object(cls, args.items(), PyObject(), Construction::NewObj, site())));
      return true;
    }
    case 0x92: {  // NEWOBJ_EX
      PyObject kwargs = pop();
      PyObject args = as_tuple_args(pop(), "NEWOBJ_EX");
      PyObject cls = pop();
      if (!kwargs.is_dict()) fail("NEWOBJ_EX keyword arguments must be a dict");
      push(track(detail::new_object(cls, args.items(), std::move(kwargs), Construction::NewObjEx,
                                    site())));
      return true;
    }
    case 'i': {  // INST: module\nname\n, then MARK args
      std::string module(read_line());
      std::string name(read_line());
      PyObject cls = detail::find_global(module, name, site());
      push(track(detail::call(cls, pop_mark(), site())));
      return true;
    }
    case 'o': {  // OBJ: MARK cls args...
      PyObject::Items items = pop_mark();
      if (items.empty()) fail("OBJ without a class");
      PyObject cls = items.front();
      items.erase(items.begin());
      push(track(detail::call(cls, std::move(items), site())));
      return true;
    }
    case 'b': {  // BUILD
      PyObject state = pop();
      detail::build(top(), std::move(state), site());
      return true;
    }
    // ---- persistent ids (torch.save's storages) ----
    case 'P': {  // PERSID (text)
      std::string id(read_line());
      if (!options_.persistent_load) fail("persistent id in a pickle without a storage context");
      push(options_.persistent_load(PyObject::str(std::move(id))));
      return true;
    }
    case 'Q': {  // BINPERSID
      PyObject pid = pop();
      if (!options_.persistent_load) fail("persistent id in a pickle without a storage context");
      push(options_.persistent_load(pid));
      return true;
    }
    // ---- unsupported by design ----
    case 0x82:
    case 0x83:
    case 0x84:
      fail("pickle extension codes (EXT1/EXT2/EXT4) are not supported");
    case 0x97:
      fail("out-of-band buffers (NEXT_BUFFER) are not supported");
    case 0x98:
      top();
      return true;  // READONLY_BUFFER: no-op on our bytes
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", op);
      fail(std::string("invalid pickle opcode ") + buf + " (corrupt or not a pickle)");
    }
  }
}

}  // namespace

PickleReader::PickleReader(std::string_view data, std::string source, PickleOptions options)
    : data_(data), source_(std::move(source)), options_(std::move(options)) {}

PyObject PickleReader::load() {
  if (pos_ >= data_.size())
    throw Error("EOFError", "ran out of input: no pickle data in " + source_ + " at byte " +
                                std::to_string(pos_));
  Unpickler u(data_, pos_, source_, options_);
  return u.run();
}

PyObject unpickle(std::string_view data, const std::string& source, PickleOptions options) {
  PickleReader reader(data, source, std::move(options));
  return reader.load();
}

}  // namespace mmcpp::io
