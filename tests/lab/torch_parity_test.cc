// torch_parity_test.cc — a fixed network (given weights and inputs), forward and
// backward, against libtorch's autograd in float64 (issue #5: to 1e-5 relative).
#include <gtest/gtest.h>

#include <random>

#include "train.h"

#ifdef ACTLAB_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace actlab::nn {
namespace {

#ifdef ACTLAB_HAVE_TORCH
namespace F = torch::nn::functional;

torch::Tensor activate(const std::string& act, const torch::Tensor& h) {
  if (act == "relu") return torch::relu(h);
  if (act == "tanh") return torch::tanh(h);
  if (act == "sigmoid") return torch::sigmoid(h);
  if (act == "gelu") return F::gelu(h);
  if (act == "silu") return F::silu(h);
  if (act == "mish") return F::mish(h);
  if (act == "elu") return F::elu(h);
  if (act == "selu") return F::selu(h);
  if (act == "softplus") return F::softplus(h);
  if (act == "leaky_relu(0.1)") return F::leaky_relu(h, F::LeakyReLUFuncOptions().negative_slope(0.1));
  if (act == "hardswish") return torch::hardswish(h);
  throw std::invalid_argument(act);
}

torch::Tensor tensor(const Matrix& m) {
  return torch::from_blob(const_cast<double*>(m.data()), {m.rows(), m.cols()}, torch::kFloat64).clone();
}

double rel(const torch::Tensor& t, const Matrix& m) {
  const auto ours = tensor(m);
  return ((t - ours).abs().max() / (t.abs().max() + 1e-300)).item<double>();
}
#endif

TEST(TorchParity, ForwardAndBackwardOfAFixedNetwork) {
#ifndef ACTLAB_HAVE_TORCH
  GTEST_SKIP() << "libtorch not installed (apt install libtorch-dev): parity not checked";
#else
  torch::set_num_threads(1);
  for (const std::string act :
       {"relu", "tanh", "sigmoid", "gelu", "silu", "mish", "elu", "selu", "softplus", "leaky_relu(0.1)", "hardswish"}) {
    Mlp model(ModelSpec::parse("5-16-12-4", act));
    std::mt19937_64 rng(3);
    std::normal_distribution<double> n01(0, 1);
    Matrix x(9, 5);
    for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = 2 * n01(rng);
    for (const Param& p : model.parameters()) {
      for (Eigen::Index i = 0; i < p.value->size(); ++i) p.value->data()[i] = 0.5 * n01(rng);  // biases too
    }
    const std::vector<std::int64_t> y = {0, 1, 2, 3, 0, 1, 2, 3, 1};
    Matrix grad;
    const Matrix out = model.forward(x, false);
    const double loss = model_loss(model.spec(), out, y, {}, &grad);
    model.zero_grad();
    model.backward(grad);

    std::vector<torch::Tensor> params;
    for (const Param& p : model.parameters()) params.push_back(tensor(*p.value).requires_grad_(true));
    torch::Tensor h = tensor(x);
    for (std::size_t l = 0; l + 2 < params.size(); l += 2) {
      h = activate(act, h.matmul(params[l].t()) + params[l + 1]);
    }
    const auto logits = h.matmul(params[params.size() - 2].t()) + params.back();
    const auto tl = F::cross_entropy(logits, torch::tensor(y, torch::kInt64));
    tl.backward();
    EXPECT_LT(rel(logits.detach(), out), 1e-12) << act;
    EXPECT_NEAR(tl.item<double>(), loss, 1e-12 * std::abs(loss)) << act;
    double worst = 0;
    const auto ours = model.parameters();
    for (std::size_t i = 0; i < params.size(); ++i) {
      worst = std::max(worst, rel(params[i].grad(), *ours[i].grad));
    }
    EXPECT_LT(worst, 1e-5) << act;
    std::printf("  %-16s logits %.1e, gradients %.1e relative to libtorch\n", act.c_str(), rel(logits.detach(), out),
                worst);
  }
#endif
}

}  // namespace
}  // namespace actlab::nn
