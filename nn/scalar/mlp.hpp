// Neuron, Layer and MLP on the scalar engine: the networks of the tutorials and of micrograd.
//
// A neuron computes the weighted sum of its inputs plus a bias, z = b + sum_i w_i x_i, and
// passes it through its activation: y = f(z). A layer is neurons side by side on the same
// inputs; an MLP is layers in a chain.
//
//   autograd::Generator gen(42);
//   nn::MLP model(2, {16, 16, 1}, {.hidden = nn::Activation::Relu, .output = nn::Activation::Linear}, gen);
//   std::vector<Value> out = model({Value(0.5), Value(-1.0)});
//   nn::SGD opt(model.parameters(), {.lr = 0.1});
#pragma once

#include "nn/scalar/activation.hpp"
#include "nn/scalar/init.hpp"

#include <autograd/random.hpp>
#include <autograd/value.hpp>

#include <cstddef>
#include <initializer_list>
#include <iosfwd>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nn {

using autograd::Value;

class Neuron {
public:
    /// `fan_out` only matters to Xavier initialisation (the size of the neuron's layer).
    Neuron(std::size_t inputs, Activation activation, const Init& init, autograd::Generator& gen,
           std::size_t fan_out = 1);

    /// f(b + sum_i w_i x_i). Throws std::invalid_argument when the input count is wrong.
    Value operator()(std::span<const Value> x) const;

    const std::vector<Value>& weights() const { return weights_; }
    const Value& bias() const { return bias_; }
    Activation activation() const { return activation_; }
    std::vector<Value> parameters() const;

private:
    std::vector<Value> weights_;
    Value bias_;
    Activation activation_;
};

class Layer {
public:
    Layer(std::size_t inputs, std::size_t outputs, Activation activation, const Init& init, autograd::Generator& gen);

    std::vector<Value> operator()(std::span<const Value> x) const;

    std::size_t inputs() const { return inputs_; }
    std::size_t outputs() const { return neurons_.size(); }
    const std::vector<Neuron>& neurons() const { return neurons_; }
    std::vector<Value> parameters() const;

private:
    std::size_t inputs_;
    std::vector<Neuron> neurons_;
};

struct MLPOptions {
    Activation hidden = Activation::Relu;   // every layer but the last
    Activation output = Activation::Linear; // the last layer
    Init init = Init::uniform(-1.0, 1.0);
};

class MLP {
public:
    /// An MLP with `inputs` inputs and layers of the given sizes (the last is the output size).
    MLP(std::size_t inputs, std::vector<std::size_t> sizes, const MLPOptions& options, autograd::Generator& gen);

    std::vector<Value> operator()(std::span<const Value> x) const;
    std::vector<Value> operator()(std::initializer_list<Value> x) const
    {
        return (*this)(std::span<const Value>(x.begin(), x.size()));
    }
    /// Forward without recording a graph: plain numbers in, plain numbers out.
    std::vector<double> predict(std::span<const double> x) const;

    std::size_t inputs() const { return inputs_; }
    std::size_t outputs() const { return layers_.back().outputs(); }
    const std::vector<Layer>& layers() const { return layers_; }
    /// All weights and biases, layer by layer, neuron by neuron (weights then bias).
    std::vector<Value> parameters() const;
    /// The same, named by layer, neuron and weight: "l0.n3.w1", "l0.n3.b" (also their DOT labels).
    std::vector<std::pair<std::string, Value>> named_parameters() const;
    std::size_t num_parameters() const;

private:
    std::size_t inputs_;
    std::vector<Layer> layers_;
};

/// "MLP(2 -> 16 relu -> 16 relu -> 1 linear), 337 parameters"
std::ostream& operator<<(std::ostream& os, const MLP& model);

} // namespace nn
