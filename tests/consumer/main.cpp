// Compiles against Backprop's headers and libraries, installed (tests/consumer, also built with
// pkg-config's flags) or built from source by add_subdirectory (tests/consumer_subdir), and checks
// one gradient, one step, and a tensor model through a safetensors file and back (the JSON
// parser that nn keeps to itself, linked all the same).
#include <autograd/value.hpp>
#include <nn/io/safetensors.hpp>
#include <nn/modules/make_mlp.hpp>
#include <nn/scalar/mlp.hpp>
#include <nn/optim/sgd.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>

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

    // One file per process: the installed and the pkg-config builds may run at once.
    const std::filesystem::path file = std::filesystem::temp_directory_path() /
                                       ("backprop_consumer_" + std::to_string(getpid()) + ".safetensors");
    nn::Sequential saved = nn::make_mlp({2, 3, 1}, "tanh", gen);
    nn::save_safetensors(saved.state_dict(), file);
    nn::Sequential loaded = nn::make_mlp({2, 3, 1}, "tanh", gen); // other weights, until loaded
    loaded.load_state_dict(nn::load_safetensors(file));
    std::filesystem::remove(file);
    const nn::StateDict before = saved.state_dict();
    const nn::StateDict after = loaded.state_dict();
    const bool same = after.at("0.weight").to_vector() == before.at("0.weight").to_vector() &&
                      after.at("2.bias").to_vector() == before.at("2.bias").to_vector();
    std::printf("consumer: safetensors round trip: %s\n", same ? "ok" : "WRONG");
    return ok && same ? 0 : 1;
}
