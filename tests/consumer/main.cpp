// Compiles against Backprop's headers and libraries, installed (tests/consumer) or built from
// source by add_subdirectory (tests/consumer_subdir), and checks one gradient and one step.
#include <autograd/value.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <cstdio>

int main()
{
    autograd::Value w = autograd::Value::parameter(0.8, "w");
    autograd::Value cost = pow(w * 1.5 - 0.5, 2.0);
    cost.backward();
    nn::SGD opt({w}, {.lr = 0.1});
    opt.step();
    autograd::Generator gen(1);
    nn::MLP model(2, {3, 1}, {}, gen);
    const bool ok = std::abs(w.data() - 0.59) < 1e-12 && model.num_parameters() == 13;
    std::printf("consumer: w = %.6f, %zu parameters: %s\n", w.data(), model.num_parameters(), ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
