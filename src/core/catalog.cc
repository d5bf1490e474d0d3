// catalog.cc — the info array, built from catalog.def, and name lookups.
#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actlab/catalog.h"

namespace actlab {
inline namespace v0 {
namespace {

#define ACTLAB_P(name, def, lo, hi, kind, doc) \
  ParamInfo { #name, def, lo, hi, Range::kind, doc }
#define ACTLAB_UNPAREN(...) __VA_ARGS__

constexpr std::size_t count_params(const std::array<ParamInfo, kMaxParams>& ps) {
  std::size_t n = 0;
  for (const auto& p : ps) n += p.name.empty() ? 0 : 1;
  return n;
}

constexpr std::array<ParamInfo, kMaxParams> make_params(std::array<ParamInfo, kMaxParams> ps) { return ps; }

constexpr ActivationInfo kInfos[] = {
#define ACTLAB_ACT(id_, props_, bwd_, init_, gain_, params_, formula_, derivative_, range_, note_, ulp_f_, ulp_b_) \
  ActivationInfo{.id = ActId::id_,                                                                                 \
                 .bwd = BwdFrom::bwd_,                                                                             \
                 .init = InitFamily::init_,                                                                        \
                 .torch_gain = TorchGain::gain_,                                                                   \
                 .props = (props_),                                                                                \
                 .name = #id_,                                                                                     \
                 .params = make_params({ACTLAB_UNPAREN params_}),                                                  \
                 .num_params = count_params(make_params({ACTLAB_UNPAREN params_})),                                \
                 .formula = formula_,                                                                              \
                 .derivative = derivative_,                                                                        \
                 .range = range_,                                                                                  \
                 .note = note_,                                                                                    \
                 .f32_ulp_forward = ulp_f_,                                                                        \
                 .f32_ulp_backward = ulp_b_},
#include "actlab/catalog.def"
#undef ACTLAB_ACT
};
static_assert(std::size(kInfos) == kNumActivations);

// Rows are in enum order; this is what makes info(id) an index.
constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < std::size(kInfos); ++i) {
    if (static_cast<std::size_t>(kInfos[i].id) != i) return false;
  }
  return true;
}
static_assert(in_enum_order());

constexpr std::string_view kPropNames[] = {
    "bounded-below", "bounded-above", "monotonic",        "smooth",  "zero-centred", "saturating",
    "sparse",        "self-gated",    "piecewise-linear", "can-die", "learnable",    "stochastic",
};
static_assert(std::size(kPropNames) == 12);

// Other spellings people type, mapped to catalog names.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"linear", "identity"},           {"heaviside", "step"},
    {"logsigmoid", "log_sigmoid"},    {"hard_sigmoid", "hardsigmoid"},
    {"hard_swish", "hardswish"},      {"hard_tanh", "hardtanh"},
    {"leakyrelu", "leaky_relu"},      {"swish1", "silu"},
    {"squared_relu", "relu_squared"}, {"gelu_erf", "gelu"},
};

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::span<const std::string_view> prop_names() noexcept { return kPropNames; }

std::span<const ActivationInfo> catalog() noexcept { return kInfos; }

const ActivationInfo& info(ActId id) noexcept { return kInfos[static_cast<std::size_t>(id)]; }

const ActivationInfo* find(std::string_view name) noexcept {
  for (const auto& [alias, target] : kAliases) {
    if (alias == name) name = target;
  }
  for (const auto& row : kInfos) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

std::vector<std::string> suggest(std::string_view name, std::size_t n) {
  std::vector<std::pair<std::size_t, std::string_view>> scored;
  for (const auto& row : kInfos) scored.emplace_back(edit_distance(name, row.name), row.name);
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [dist, s] : scored) {
    if (out.size() == n || dist > std::max<std::size_t>(3, name.size() / 2)) break;
    out.emplace_back(s);
  }
  return out;
}

std::string props_to_string(std::uint32_t props) {
  std::string out;
  for (std::size_t i = 0; i < std::size(kPropNames); ++i) {
    if ((props & (1u << i)) == 0) continue;
    if (!out.empty()) out += ' ';
    out += kPropNames[i];
  }
  return out;
}

std::string_view to_string(InitFamily f) noexcept {
  switch (f) {
    case InitFamily::kKaiming:
      return "kaiming";
    case InitFamily::kXavier:
      return "xavier";
    case InitFamily::kLecun:
      return "lecun";
  }
  return "?";
}

}  // namespace v0
}  // namespace actlab
