// consumer.cc — what an engine that embeds libactlab writes.
#include <actlab/actlab.h>

#include <cmath>
#include <cstdio>
#include <vector>

int main() {
  const auto act = actlab::Activation::parse("leaky_relu(negative_slope=0.2)");
  std::vector<float> x = {-1.0f, 2.0f};
  std::vector<float> y(2);
  act.forward(x, y);
  std::printf("actlab %s: %s(-1) = %g, %zu activations\n", actlab::version(), act.to_string().c_str(), y[0],
              actlab::catalog().size());
  return (y[0] == -0.2f && y[1] == 2.0f && ACTLAB_VERSION >= 100) ? 0 : 1;
}
