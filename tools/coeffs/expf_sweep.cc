// expf_sweep.cc — the accuracy sweep behind the comments of ExpFloatLanes and
// ExpFloatLanesLean (math-inl.h).
//
// A scalar copy of the vector code, operation for operation (std::fma where the
// kernel uses MulAdd/NegMulAdd), checked against long double exp on every float
// hi in [lo_bound, 0] (lo = 0). Build and run:
//   g++ -std=c++20 -O2 -march=native tools/coeffs/expf_sweep.cc -o /tmp/expf_sweep
//   /tmp/expf_sweep         # ExpFloatLanes: 1 + r1 kept exactly
//   /tmp/expf_sweep lean    # ExpFloatLanesLean: 1 + (r1 + (c + r²q))
//   /tmp/expf_sweep expm1   # Expm1NonPositive, every float x <= 0 against expm1l
//   /tmp/expf_sweep biased  # ExpFloatLanesLeanBiased (softmax rows): every float z in
//                           # (−256, 256), b = round(z/ln2); head in ulp, head + tail relative
//   /tmp/expf_sweep table   # ExpTableBiased, 16 entries (AVX-512), the same sweep; and
//                           # ExpTable<true> at every float hi in [−87, 0] with lo = ±ulp/2
//   /tmp/expf_sweep table8  # the same with AVX2's 8 entries
//   /tmp/expf_sweep table-nolo, table8-nolo  # the same without the table's lo parts
//                           # (ExpTable<…, kTableLo = false>: the log_softmax rows)
// Prints the worst error in ulp of the exact value, for the normal results and for all.
// (Built from the repository root: the coefficients come from src/core/kernels/coeffs.inc.)
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "../../src/core/kernels/coeffs.inc"

namespace {

constexpr const float (&kQ)[5] = kExpfQ;

float bits_to_float(std::int32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

bool g_lean = false;

// ExpReduceBiased and ExpPolyQ (math-inl.h): h + l = n·ln2 + r1 + c, r = r1 + c, q(r);
// magic = 1.5·2^23 + 127 − b leaves n − b + 127 in k's low bits.
struct Reduced {
  float k, n, r1, c, r, q;
};
Reduced reduce(float h, float l, float magic) {
  Reduced a{};
  a.k = std::fma(h, 1.44269504088896340736f, magic);
  a.n = a.k - magic;
  a.r1 = std::fma(-a.n, 0x1.62e4p-1f, h);
  a.c = std::fma(-a.n, static_cast<float>(0x1.7f7d1cf79abcap-20), l);
  a.r = a.r1 + a.c;
  a.q = kQ[0];
  for (int i = 1; i < 5; ++i) a.q = std::fma(a.q, a.r, kQ[i]);
  return a;
}

float exp_float_lanes(float hi, float lo) {
  const bool in_range = hi >= -104.0f;
  const float magic = 12583039.0f;
  const Reduced a = reduce(in_range ? hi : -104.0f, in_range ? lo : 0.0f, magic);
  float p;
  if (g_lean) {
    p = 1.0f + (a.r1 + std::fma(a.r * a.r, a.q, a.c));
  } else {
    const float s = 1.0f + a.r1;
    const float err = (1.0f - s) + a.r1;
    p = s + (err + std::fma(a.r * a.r, a.q, a.c));
  }
  std::int32_t kb;
  std::int32_t mb;
  std::memcpy(&kb, &a.k, 4);
  std::memcpy(&mb, &magic, 4);
  const std::int32_t ni = kb - mb;
  const std::int32_t half = ni >> 1;
  return (p * bits_to_float((half + 127) << 23)) * bits_to_float((ni - half + 127) << 23);
}

// Expm1NonPositive (math-inl.h), operation for operation.
float expm1_non_positive(float x) {
  const Reduced a = reduce(std::fmax(x, -17.0f), 0.0f, 12583039.0f);
  const float p = a.r1 + std::fma(a.r * a.r, a.q, a.c);
  std::int32_t kb;
  std::memcpy(&kb, &a.k, 4);
  const float two_n = bits_to_float(static_cast<std::int32_t>(static_cast<std::uint32_t>(kb) << 23));
  return std::fma(two_n, p, two_n - 1.0f);
}

// Every float x in [−inf, −0]: the worst error in ulp of the exact expm1, and the count above 1.
void sweep_expm1() {
  double worst = 0;
  float at = 0;
  long above_1 = 0;
  for (std::uint32_t b = 0x80000000u; b <= 0xff800000u; ++b) {
    float x;
    std::memcpy(&x, &b, 4);
    const long double want = std::expm1(static_cast<long double>(x));
    const float wf = static_cast<float>(want);
    const double ulp = std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf);
    const double e = static_cast<double>(std::fabs(static_cast<long double>(expm1_non_positive(x)) - want)) / ulp;
    above_1 += e > 1.0 ? 1 : 0;
    if (e > worst) {
      worst = e;
      at = x;
    }
  }
  std::printf("expm1, every float x <= 0: worst %.3f ulp at %a; %ld inputs above 1 ulp\n", worst,
              static_cast<double>(at), above_1);
}

// ExpFloatLanesLeanBiased (math-inl.h), operation for operation: e^z·2^−b as head + tail.
void exp_lean_biased(float z, float b, float* head, float* tail) {
  const Reduced a = reduce(z, 0.0f, 12583039.0f - b);
  const float x = a.r1 + std::fma(a.r * a.r, a.q, a.c);
  std::int32_t kb;
  std::memcpy(&kb, &a.k, 4);
  const float two_n = bits_to_float(static_cast<std::int32_t>(static_cast<std::uint32_t>(kb) << 23));
  *head = std::fma(x, two_n, two_n);
  *tail = std::fma(x, two_n, -(*head - two_n));
}

// Every float z in (−256, 256): the head's worst error in ulp of the exact e^z·2^−b, and
// head + tail's worst relative error in units of 2^-24.
void sweep_biased() {
  double worst_head = 0;
  double worst_sum = 0;
  float at_head = 0;
  float at_sum = 0;
  for (const std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t b = 0; b < 0x43800000u; ++b) {  // |z| < 256
      float z;
      const std::uint32_t zb = b | sign;
      std::memcpy(&z, &zb, 4);
      const float shift = std::nearbyint(z * 1.44269504088896340736f);
      float head;
      float tail;
      exp_lean_biased(z, shift, &head, &tail);
      const long double want = std::ldexp(std::exp(static_cast<long double>(z)), -static_cast<int>(shift));
      const float wf = static_cast<float>(want);
      const double ulp = std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf);
      const double eh = static_cast<double>(std::fabs(static_cast<long double>(head) - want)) / ulp;
      const double es = static_cast<double>(
          std::fabs(static_cast<long double>(head) + static_cast<long double>(tail) - want) / want * 0x1p24L);
      if (eh > worst_head) {
        worst_head = eh;
        at_head = z;
      }
      if (es > worst_sum) {
        worst_sum = es;
        at_sum = z;
      }
    }
  }
  std::printf("biased, every float |z| < 256: head worst %.3f ulp at %a; head + tail worst %.3f·2^-24 at %a\n",
              worst_head, static_cast<double>(at_head), worst_sum, static_cast<double>(at_sum));
}

// ExpTable (math-inl.h) with S = 16 (AVX-512) or 8 (AVX2) entries, operation for
// operation: e^(z + z_lo)·2^−b = t·(1 + x), head = fl(t + t·x), tail its rounding error.
template <int S, bool kTableLo = true>
void exp_table(float z, float z_lo, float b, float* head, float* tail) {
  constexpr std::uint32_t kBits = S == 16 ? 4 : 3;
  const float magic = 12582912.0f + static_cast<float>(S) * (127.0f - b);  // ExpTableMagic
  const float k = std::fma(z, static_cast<float>(S * 1.44269504088896340736), magic);
  const float n = k - magic;
  const float ln2_hi = S == 16 ? kLn2Over16Hi : kLn2Over8Hi;
  const float ln2_lo = S == 16 ? kLn2Over16Lo : kLn2Over8Lo;
  const float r = std::fma(-n, ln2_lo, std::fma(-n, ln2_hi, z)) + z_lo;
  const auto kbits = std::bit_cast<std::uint32_t>(k);
  const std::uint32_t j = kbits & (S - 1u);
  const float tab_hi = S == 16 ? kExpTab16Hi[j] : kExpTab8Hi[j];
  const float tab_lo = !kTableLo ? 0.0f : S == 16 ? kExpTab16Lo[j] : kExpTab8Lo[j];
  const std::uint32_t hi_bits = std::bit_cast<std::uint32_t>(tab_hi) - (127u << 23) - (j << (23 - kBits));
  const float t = std::bit_cast<float>(hi_bits + (kbits << (23 - kBits)));
  const float q = S == 16 ? std::fma(kExpTab16Q[0], r, kExpTab16Q[1])
                          : std::fma(std::fma(kExpTab8Q[0], r, kExpTab8Q[1]), r, kExpTab8Q[2]);
  const float x = std::fma(r * r, q, r + tab_lo);
  *head = std::fma(x, t, t);
  *tail = std::fma(x, t, -(*head - t));
}

struct Worst {
  double head = 0, sum = 0;
  float at_head = 0, at_sum = 0;
  // sum_too: also head + tail (a tail below 2^-126 is itself rounded: the z − m rows,
  // whose e reach 2^-125, take the head alone).
  void add(float z, float head, float tail, long double want, bool sum_too = true) {
    const float wf = static_cast<float>(want);
    const double ulp = std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf);
    const double eh = static_cast<double>(std::fabs(static_cast<long double>(head) - want)) / ulp;
    const double es = static_cast<double>(
        std::fabs(static_cast<long double>(head) + static_cast<long double>(tail) - want) / want * 0x1p24L);
    if (eh > this->head) {
      this->head = eh;
      at_head = z;
    }
    if (sum_too && es > sum) {
      sum = es;
      at_sum = z;
    }
  }
};

// Every float z in (−256, 256) with b = round(z/ln2) (the biased softmax rows), and every
// float hi in [−87, 0] with lo = 0 and ±ulp(hi)/2 (the z − m rows; the row condition keeps
// e^hi >= e^-86.9).
template <int S, bool kTableLo = true>
void sweep_table() {
  Worst biased;
  for (const std::uint32_t sign : {0u, 0x80000000u}) {
    for (std::uint32_t b = 0; b < 0x43800000u; ++b) {
      const float z = std::bit_cast<float>(b | sign);
      const float shift = std::nearbyint(z * 1.44269504088896340736f);
      float head;
      float tail;
      exp_table<S, kTableLo>(z, 0.0f, shift, &head, &tail);
      biased.add(z, head, tail, std::ldexp(std::exp(static_cast<long double>(z)), -static_cast<int>(shift)));
    }
  }
  std::printf(
      "table of %d%s, biased, every float |z| < 256: head worst %.3f ulp at %a; head + tail worst %.3f·2^-24 at %a\n",
      S, kTableLo ? "" : " (no lo)", biased.head, static_cast<double>(biased.at_head), biased.sum,
      static_cast<double>(biased.at_sum));
  Worst shifted;
  for (std::uint32_t b = 0x80000000u; b <= 0xc2ae0000u; ++b) {  // hi in [−87, 0]
    const float hi = std::bit_cast<float>(b);
    const float half_ulp = (std::nextafter(std::fabs(hi), INFINITY) - std::fabs(hi)) / 2;
    for (const float lo : {0.0f, half_ulp, -half_ulp}) {
      float head;
      float tail;
      exp_table<S, kTableLo>(hi, lo, 0.0f, &head, &tail);
      shifted.add(hi, head, tail, std::exp(static_cast<long double>(hi) + static_cast<long double>(lo)), hi >= -69.0f);
    }
  }
  std::printf(
      "table of %d%s, hi + lo, every float hi in [-87, 0]: head worst %.3f ulp at %a; head + tail (hi >= -69) worst "
      "%.3f·2^-24 "
      "at %a\n",
      S, kTableLo ? "" : " (no lo)", shifted.head, static_cast<double>(shifted.at_head), shifted.sum,
      static_cast<double>(shifted.at_sum));
}

double worst_ulp(std::uint32_t last_bits, float* where) {
  double worst = 0;
  for (std::uint32_t b = 0x80000000u; b <= last_bits; ++b) {
    float x;
    std::memcpy(&x, &b, 4);
    const long double want = std::exp(static_cast<long double>(x));
    const float wf = static_cast<float>(want);
    const double ulp = wf == 0 ? 0x1p-149 : std::nextafter(std::fabs(wf), INFINITY) - std::fabs(wf);
    const double e = static_cast<double>(std::fabs(static_cast<long double>(exp_float_lanes(x, 0)) - want)) / ulp;
    if (e > worst) {
      worst = e;
      *where = x;
    }
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "expm1") == 0) {
    sweep_expm1();
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "biased") == 0) {
    sweep_biased();
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "table") == 0) {
    sweep_table<16>();
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "table8") == 0) {
    sweep_table<8>();
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "table-nolo") == 0) {
    sweep_table<16, false>();
    return 0;
  }
  if (argc > 1 && std::strcmp(argv[1], "table8-nolo") == 0) {
    sweep_table<8, false>();
    return 0;
  }
  g_lean = argc > 1 && std::strcmp(argv[1], "lean") == 0;
  float at = 0;
  const double normal = worst_ulp(0xc2ae0000u, &at);  // hi >= −87
  std::printf("normal results (hi in [-87, 0]): worst %.3f ulp at %a\n", normal, static_cast<double>(at));
  const double all = worst_ulp(0xc2d00000u, &at);  // hi >= −104
  std::printf("all results (hi in [-104, 0]):   worst %.3f ulp at %a\n", all, static_cast<double>(at));
  return 0;
}
