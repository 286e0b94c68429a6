#include "mmcpp/config/bigint.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "mmcpp/core/error.h"

namespace mmcpp::config {

using Limbs = std::vector<std::uint32_t>;

namespace {

constexpr std::uint64_t kBase = std::uint64_t{1} << 32;

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// mag = mag * m + a, in place.
void mul_add_small(Limbs& mag, std::uint32_t m, std::uint32_t a) {
  std::uint64_t carry = a;
  for (auto& limb : mag) {
    std::uint64_t t = static_cast<std::uint64_t>(limb) * m + carry;
    limb = static_cast<std::uint32_t>(t);
    carry = t >> 32;
  }
  if (carry) mag.push_back(static_cast<std::uint32_t>(carry));
}

// mag /= d in place; returns the remainder.
std::uint32_t div_small(Limbs& mag, std::uint32_t d) {
  std::uint64_t rem = 0;
  for (std::size_t i = mag.size(); i-- > 0;) {
    std::uint64_t cur = (rem << 32) | mag[i];
    mag[i] = static_cast<std::uint32_t>(cur / d);
    rem = cur % d;
  }
  while (!mag.empty() && mag.back() == 0) mag.pop_back();
  return static_cast<std::uint32_t>(rem);
}

}  // namespace

BigInt::BigInt(std::int64_t v) {
  neg_ = v < 0;
  std::uint64_t u = neg_ ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
  while (u) {
    mag_.push_back(static_cast<std::uint32_t>(u));
    u >>= 32;
  }
}

BigInt BigInt::from_unsigned(std::uint64_t u) {
  BigInt out;
  while (u) {
    out.mag_.push_back(static_cast<std::uint32_t>(u));
    u >>= 32;
  }
  return out;
}

BigInt BigInt::from_double(double d) {
  if (!std::isfinite(d) || d != std::trunc(d))
    throw Error("ValueError", "BigInt::from_double needs a finite integral value");
  int exp = 0;
  double m = std::frexp(std::fabs(d), &exp);  // |d| = m * 2^exp, 0.5 <= m < 1
  if (m == 0) return BigInt();
  auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));  // exact: 53 bits
  BigInt out = from_unsigned(mant);
  out = exp >= 53 ? out.shift_left(static_cast<std::uint64_t>(exp - 53))
                  : out.shift_right(static_cast<std::uint64_t>(53 - exp));
  return d < 0 ? -out : out;
}

bool BigInt::parse(std::string_view digits, int base, BigInt& out) {
  if (digits.empty() || base < 2 || base > 36) return false;
  // Chunks of digits that fit in 32 bits: mag = mag * base^k + chunk.
  std::uint32_t chunk_mul = 1, chunk = 0;
  const std::uint64_t limit = (kBase - 1) / static_cast<std::uint64_t>(base);
  BigInt r;
  for (char c : digits) {
    int v = digit_value(c);
    if (v >= base) return false;
    if (chunk_mul > limit) {
      mul_add_small(r.mag_, chunk_mul, chunk);
      chunk_mul = 1;
      chunk = 0;
    }
    chunk_mul *= static_cast<std::uint32_t>(base);
    chunk = chunk * static_cast<std::uint32_t>(base) + static_cast<std::uint32_t>(v);
    if (r.mag_.size() * 32 > kMaxBits + 64) r.check_size();
  }
  mul_add_small(r.mag_, chunk_mul, chunk);
  r.trim();
  r.check_size();
  out = std::move(r);
  return true;
}

void BigInt::trim() {
  while (!mag_.empty() && mag_.back() == 0) mag_.pop_back();
  if (mag_.empty()) neg_ = false;
}

void BigInt::check_size() const {
  if (bit_length() > kMaxBits)
    throw Error("OverflowError",
                "integer too large for a config (more than " + std::to_string(kMaxBits) + " bits)");
}

bool BigInt::fits_int64() const {
  if (mag_.size() > 2) return false;
  std::uint64_t u = mag_.empty() ? 0 : mag_[0];
  if (mag_.size() == 2) u |= static_cast<std::uint64_t>(mag_[1]) << 32;
  return neg_ ? u <= (std::uint64_t{1} << 63) : u < (std::uint64_t{1} << 63);
}

std::int64_t BigInt::to_int64() const {
  std::uint64_t u = mag_.empty() ? 0 : mag_[0];
  if (mag_.size() > 1) u |= static_cast<std::uint64_t>(mag_[1]) << 32;
  return neg_ ? static_cast<std::int64_t>(0 - u) : static_cast<std::int64_t>(u);
}

double BigInt::to_double() const {
  // glibc's strtod rounds correctly (half to even), as CPython's int -> float.
  std::string s = to_string(10);
  double d = std::strtod(s.c_str(), nullptr);
  if (std::isinf(d)) throw Error("OverflowError", "int too large to convert to float");
  return d;
}

std::string BigInt::to_string(int base) const {
  if (mag_.empty()) return "0";
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  // Peel off the largest power of `base` that fits in 32 bits at a time.
  std::uint32_t chunk = static_cast<std::uint32_t>(base);
  int per_chunk = 1;
  while (static_cast<std::uint64_t>(chunk) * static_cast<std::uint64_t>(base) < kBase) {
    chunk *= static_cast<std::uint32_t>(base);
    ++per_chunk;
  }
  Limbs m = mag_;
  std::string rev;
  while (!m.empty()) {
    std::uint32_t r = div_small(m, chunk);
    for (int i = 0; i < per_chunk; ++i) {
      rev += digits[r % static_cast<std::uint32_t>(base)];
      r /= static_cast<std::uint32_t>(base);
      if (m.empty() && r == 0) break;
    }
  }
  while (rev.size() > 1 && rev.back() == '0') rev.pop_back();
  if (neg_) rev += '-';
  return std::string(rev.rbegin(), rev.rend());
}

std::size_t BigInt::bit_length() const {
  if (mag_.empty()) return 0;
  std::size_t bits = (mag_.size() - 1) * 32;
  std::uint32_t top = mag_.back();
  while (top) {
    ++bits;
    top >>= 1;
  }
  return bits;
}

int BigInt::compare_mag(const Limbs& a, const Limbs& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  for (std::size_t i = a.size(); i-- > 0;)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

int BigInt::compare(const BigInt& o) const {
  if (neg_ != o.neg_) return neg_ ? -1 : 1;
  int c = compare_mag(mag_, o.mag_);
  return neg_ ? -c : c;
}

int BigInt::compare(double d) const {
  if (std::isnan(d)) return 2;
  if (std::isinf(d)) return d > 0 ? -1 : 1;
  double t = std::trunc(d);
  int c = compare(from_double(t));
  if (c != 0) return c;
  // Equal integer parts: the fraction decides.
  return d > t ? -1 : d < t ? 1 : 0;
}

BigInt BigInt::operator-() const {
  BigInt out = *this;
  if (!out.mag_.empty()) out.neg_ = !out.neg_;
  return out;
}

Limbs BigInt::add_mag(const Limbs& a, const Limbs& b) {
  const Limbs& l = a.size() >= b.size() ? a : b;
  const Limbs& s = a.size() >= b.size() ? b : a;
  Limbs out(l.size() + 1, 0);
  std::uint64_t carry = 0;
  for (std::size_t i = 0; i < l.size(); ++i) {
    std::uint64_t t = static_cast<std::uint64_t>(l[i]) + (i < s.size() ? s[i] : 0) + carry;
    out[i] = static_cast<std::uint32_t>(t);
    carry = t >> 32;
  }
  out[l.size()] = static_cast<std::uint32_t>(carry);
  return out;
}

Limbs BigInt::sub_mag(const Limbs& a, const Limbs& b) {
  Limbs out(a.size(), 0);
  std::int64_t borrow = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    std::int64_t t = static_cast<std::int64_t>(a[i]) - (i < b.size() ? b[i] : 0) - borrow;
    borrow = t < 0;
    out[i] = static_cast<std::uint32_t>(t + (borrow ? static_cast<std::int64_t>(kBase) : 0));
  }
  return out;
}

BigInt operator+(const BigInt& a, const BigInt& b) {
  BigInt out;
  if (a.neg_ == b.neg_) {
    out.mag_ = BigInt::add_mag(a.mag_, b.mag_);
    out.neg_ = a.neg_;
  } else if (BigInt::compare_mag(a.mag_, b.mag_) >= 0) {
    out.mag_ = BigInt::sub_mag(a.mag_, b.mag_);
    out.neg_ = a.neg_;
  } else {
    out.mag_ = BigInt::sub_mag(b.mag_, a.mag_);
    out.neg_ = b.neg_;
  }
  out.trim();
  out.check_size();
  return out;
}

BigInt operator-(const BigInt& a, const BigInt& b) { return a + (-b); }

BigInt operator*(const BigInt& a, const BigInt& b) {
  BigInt out;
  if (a.is_zero() || b.is_zero()) return out;
  if (a.bit_length() + b.bit_length() > BigInt::kMaxBits + 1)
    throw Error("OverflowError", "integer too large for a config (more than " +
                                     std::to_string(BigInt::kMaxBits) + " bits)");
  out.mag_.assign(a.mag_.size() + b.mag_.size(), 0);
  for (std::size_t i = 0; i < a.mag_.size(); ++i) {
    std::uint64_t carry = 0;
    for (std::size_t j = 0; j < b.mag_.size(); ++j) {
      std::uint64_t t = static_cast<std::uint64_t>(a.mag_[i]) * b.mag_[j] + out.mag_[i + j] + carry;
      out.mag_[i + j] = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
    out.mag_[i + b.mag_.size()] = static_cast<std::uint32_t>(carry);
  }
  out.neg_ = a.neg_ != b.neg_;
  out.trim();
  out.check_size();
  return out;
}

// Knuth's algorithm D (TAOCP 4.3.1) on 32-bit limbs: q = a / b, r = a % b, |a|, |b|.
void BigInt::divmod_mag(const Limbs& a, const Limbs& b, Limbs& q, Limbs& r) {
  if (compare_mag(a, b) < 0) {
    q.clear();
    r = a;
    return;
  }
  if (b.size() == 1) {
    q = a;
    std::uint32_t rem = div_small(q, b[0]);
    r.clear();
    if (rem) r.push_back(rem);
    return;
  }
  const std::size_t n = b.size(), m = a.size() - n;
  // Normalise: shift so that the divisor's top limb has its high bit set.
  int s = 0;
  for (std::uint32_t top = b.back(); !(top & 0x80000000u); top <<= 1) ++s;
  Limbs bn(n), an(a.size() + 1);
  for (std::size_t i = n; i-- > 1;)
    bn[i] = (b[i] << s) |
            (s ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(b[i - 1]) >> (32 - s)) : 0);
  bn[0] = b[0] << s;
  an[a.size()] =
      s ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(a.back()) >> (32 - s)) : 0;
  for (std::size_t i = a.size(); i-- > 1;)
    an[i] = (a[i] << s) |
            (s ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(a[i - 1]) >> (32 - s)) : 0);
  an[0] = a[0] << s;

  q.assign(m + 1, 0);
  for (std::size_t j = m + 1; j-- > 0;) {
    std::uint64_t num = (static_cast<std::uint64_t>(an[j + n]) << 32) | an[j + n - 1];
    std::uint64_t qhat = num / bn[n - 1];
    std::uint64_t rhat = num % bn[n - 1];
    while (qhat >= kBase || qhat * bn[n - 2] > ((rhat << 32) | an[j + n - 2])) {
      --qhat;
      rhat += bn[n - 1];
      if (rhat >= kBase) break;
    }
    // Multiply and subtract.
    std::int64_t borrow = 0;
    std::uint64_t carry = 0;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t p = qhat * bn[i] + carry;
      carry = p >> 32;
      std::int64_t t = static_cast<std::int64_t>(an[i + j]) - borrow -
                       static_cast<std::int64_t>(p & 0xFFFFFFFFu);
      an[i + j] = static_cast<std::uint32_t>(t);
      borrow = t < 0 ? 1 : 0;
    }
    std::int64_t t =
        static_cast<std::int64_t>(an[j + n]) - borrow - static_cast<std::int64_t>(carry);
    an[j + n] = static_cast<std::uint32_t>(t);
    if (t < 0) {
      // qhat was one too large: add the divisor back.
      --qhat;
      std::uint64_t c = 0;
      for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t sum = static_cast<std::uint64_t>(an[i + j]) + bn[i] + c;
        an[i + j] = static_cast<std::uint32_t>(sum);
        c = sum >> 32;
      }
      an[j + n] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(an[j + n]) + c);
    }
    q[j] = static_cast<std::uint32_t>(qhat);
  }
  // Unnormalise the remainder.
  r.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    r[i] = (an[i] >> s) |
           (s ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(an[i + 1]) << (32 - s)) : 0);
  while (!q.empty() && q.back() == 0) q.pop_back();
  while (!r.empty() && r.back() == 0) r.pop_back();
}

void BigInt::floor_divmod(const BigInt& a, const BigInt& b, BigInt& q, BigInt& r) {
  if (b.is_zero()) throw Error("ZeroDivisionError", "integer division or modulo by zero");
  BigInt qq, rr;
  divmod_mag(a.mag_, b.mag_, qq.mag_, rr.mag_);
  qq.neg_ = a.neg_ != b.neg_;
  rr.neg_ = a.neg_;
  qq.trim();
  rr.trim();
  // Truncated -> floored: when the remainder is non-zero and the signs differ.
  if (!rr.is_zero() && a.neg_ != b.neg_) {
    qq = qq - BigInt(1);
    rr = rr + b;
  }
  q = std::move(qq);
  r = std::move(rr);
}

BigInt BigInt::pow(const BigInt& base, std::uint64_t e) {
  if (e == 0) return BigInt(1);
  if (base.is_zero()) return BigInt();
  if (base.mag_.size() == 1 && base.mag_[0] == 1) return (base.neg_ && (e & 1)) ? base : BigInt(1);
  // Beyond the cap either way: fail before computing.
  if ((base.bit_length() - 1) > 0 && e > kMaxBits)
    throw Error("OverflowError",
                "integer too large for a config (more than " + std::to_string(kMaxBits) + " bits)");
  BigInt result(1), b = base;
  while (true) {
    if (e & 1) result = result * b;
    e >>= 1;
    if (!e) break;
    b = b * b;
  }
  return result;
}

BigInt BigInt::shift_left(std::uint64_t n) const {
  if (is_zero()) return *this;
  if (n > kMaxBits)
    throw Error("OverflowError",
                "integer too large for a config (more than " + std::to_string(kMaxBits) + " bits)");
  std::size_t words = static_cast<std::size_t>(n / 32);
  int bits = static_cast<int>(n % 32);
  BigInt out;
  out.neg_ = neg_;
  out.mag_.assign(words, 0);
  std::uint32_t carry = 0;
  for (std::uint32_t limb : mag_) {
    out.mag_.push_back((limb << bits) | carry);
    carry = bits ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(limb) >> (32 - bits)) : 0;
  }
  if (carry) out.mag_.push_back(carry);
  out.trim();
  out.check_size();
  return out;
}

BigInt BigInt::shift_right(std::uint64_t n) const {
  if (neg_) {
    // floor(a / 2^n) for negative a: -((|a| - 1) >> n) - 1.
    BigInt m = -*this - BigInt(1);
    return -m.shift_right(n) - BigInt(1);
  }
  if (n >= static_cast<std::uint64_t>(mag_.size()) * 32) return BigInt();
  std::size_t words = static_cast<std::size_t>(n / 32);
  int bits = static_cast<int>(n % 32);
  BigInt out;
  for (std::size_t i = words; i < mag_.size(); ++i) {
    std::uint32_t lo = mag_[i] >> bits;
    std::uint32_t hi =
        (bits && i + 1 < mag_.size())
            ? static_cast<std::uint32_t>(static_cast<std::uint64_t>(mag_[i + 1]) << (32 - bits))
            : 0;
    out.mag_.push_back(lo | hi);
  }
  out.trim();
  return out;
}

Limbs BigInt::twos(std::size_t words) const {
  Limbs w(words, 0);
  std::copy(mag_.begin(), mag_.end(), w.begin());
  if (neg_) {
    std::uint64_t carry = 1;
    for (auto& x : w) {
      std::uint64_t t = static_cast<std::uint64_t>(~x) + carry;
      x = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
  }
  return w;
}

BigInt BigInt::from_twos(Limbs w) {
  BigInt out;
  bool neg = !w.empty() && (w.back() & 0x80000000u);
  if (neg) {
    std::uint64_t carry = 1;
    for (auto& x : w) {
      std::uint64_t t = static_cast<std::uint64_t>(~x) + carry;
      x = static_cast<std::uint32_t>(t);
      carry = t >> 32;
    }
  }
  out.mag_ = std::move(w);
  out.neg_ = neg;
  out.trim();
  return out;
}

template <class Op>
BigInt BigInt::bitwise(const BigInt& a, const BigInt& b, Op op) {
  std::size_t words = std::max(a.mag_.size(), b.mag_.size()) + 1;
  Limbs x = a.twos(words), y = b.twos(words);
  for (std::size_t i = 0; i < words; ++i) x[i] = op(x[i], y[i]);
  return from_twos(std::move(x));
}

BigInt operator&(const BigInt& a, const BigInt& b) {
  return BigInt::bitwise(a, b, [](std::uint32_t x, std::uint32_t y) { return x & y; });
}
BigInt operator|(const BigInt& a, const BigInt& b) {
  return BigInt::bitwise(a, b, [](std::uint32_t x, std::uint32_t y) { return x | y; });
}
BigInt operator^(const BigInt& a, const BigInt& b) {
  return BigInt::bitwise(a, b, [](std::uint32_t x, std::uint32_t y) { return x ^ y; });
}
BigInt BigInt::operator~() const { return -*this - BigInt(1); }

}  // namespace mmcpp::config
