// actlab/catalog.h — what activations exist and what they are.
//
// Every row comes from actlab/catalog.def; nothing here is written per
// activation. Queries never allocate except suggest().
#ifndef ACTLAB_CATALOG_H_
#define ACTLAB_CATALOG_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "actlab/export.h"

namespace actlab {
inline namespace v0 {

/** One enumerator per catalog row, in table order. */
enum class ActId : std::uint8_t {
#define ACTLAB_ACT(id, ...) id,
#include "actlab/catalog.def"
#undef ACTLAB_ACT
};

/** Number of element-wise activations in the catalog. */
inline constexpr std::size_t kNumActivations = 0
#define ACTLAB_ACT(id, ...) +1
#include "actlab/catalog.def"
#undef ACTLAB_ACT
    ;

/** Property flags, as columns of the catalog (at default parameters). */
enum Prop : std::uint32_t {
  kBoundedBelow = 1u << 0,     ///< inf f > -inf
  kBoundedAbove = 1u << 1,     ///< sup f < inf
  kMonotonic = 1u << 2,        ///< non-decreasing
  kSmooth = 1u << 3,           ///< continuously differentiable everywhere
  kZeroCentred = 1u << 4,      ///< f(0) = 0 and f takes both signs symmetrically
  kSaturating = 1u << 5,       ///< f' -> 0 in at least one tail
  kSparse = 1u << 6,           ///< exact zeros on a whole interval of inputs
  kSelfGated = 1u << 7,        ///< x·g(x) for a gate g
  kPiecewiseLinear = 1u << 8,  ///< made of linear pieces (quantization friendly)
  kZeroGradRegion = 1u << 9,   ///< f' = 0 on an interval: units can die there
  kLearnable = 1u << 10,       ///< has a parameter meant to be trained
  kStochastic = 1u << 11,      ///< random in training
};

/** Names of the property flags, in bit order, for printing. */
ACTLAB_API std::span<const std::string_view> prop_names() noexcept;

/** What the backward pass needs. */
enum class BwdFrom : std::uint8_t {
  kX,  ///< needs the input x
  kY,  ///< can run from the output y alone (x also works)
};

/** Which initializer family preserves the signal for this function. */
enum class InitFamily : std::uint8_t { kKaiming, kXavier, kLecun };

/** PyTorch's torch.nn.init.calculate_gain entry for this function. */
enum class TorchGain : std::uint8_t { kNone, kLinear, kSigmoid, kTanh, kRelu, kLeakyRelu, kSelu };

/** How a parameter's [min, max] is closed. */
enum class Range : std::uint8_t {
  kClosed,           ///< [min, max]
  kOpenMin,          ///< (min, max]
  kAtLeastPrevious,  ///< [min, max] and >= the parameter before it
};

/** Maximum number of scalar parameters of an element-wise row. */
inline constexpr std::size_t kMaxParams = 2;

/** One scalar parameter of an activation. */
struct ParamInfo {
  std::string_view name;
  double default_value = 0;
  double min = 0;
  double max = 0;
  Range range = Range::kClosed;
  std::string_view doc;
};

/** One row of the catalog. */
struct ActivationInfo {
  ActId id;
  BwdFrom bwd;
  InitFamily init;
  TorchGain torch_gain;
  std::uint32_t props;
  std::string_view name;
  std::array<ParamInfo, kMaxParams> params;
  std::size_t num_params;
  std::string_view formula;
  std::string_view derivative;
  std::string_view range;
  std::string_view note;
  double f32_ulp_forward;   ///< float32 forward: max ulp from the correctly rounded value
  double f32_ulp_backward;  ///< float32 backward (from x and from y)

  /** True when every flag in `p` is set. */
  constexpr bool has(std::uint32_t p) const noexcept { return (props & p) == p; }
  /** The parameters, without the unused slots. */
  std::span<const ParamInfo> param_list() const noexcept { return {params.data(), num_params}; }
};

/** All rows, in table order (index = static_cast<size_t>(ActId)). */
ACTLAB_API std::span<const ActivationInfo> catalog() noexcept;
/** The row of `id`. */
ACTLAB_API const ActivationInfo& info(ActId id) noexcept;
/** The row called `name` (or an alias such as "heaviside", "swish1"), or nullptr. */
ACTLAB_API const ActivationInfo* find(std::string_view name) noexcept;
/** Up to `n` known names closest to `name` (edit distance), best first. */
ACTLAB_API std::vector<std::string> suggest(std::string_view name, std::size_t n = 3);
/** Text for a property set, e.g. "bounded-below monotonic smooth". */
ACTLAB_API std::string props_to_string(std::uint32_t props);
/** Text for an initializer family ("kaiming", "xavier", "lecun"). */
ACTLAB_API std::string_view to_string(InitFamily f) noexcept;

}  // namespace v0
}  // namespace actlab

#endif  // ACTLAB_CATALOG_H_
