#include "nn/scalar/mlp.hpp"

#include <fmt/format.h>

#include <ostream>
#include <stdexcept>

namespace nn {

Neuron::Neuron(std::size_t inputs, Activation activation, const Init& init, autograd::Generator& gen,
               std::size_t fan_out)
    : bias_(Value::parameter(0.0, "b")), activation_(activation)
{
    if (inputs == 0)
        throw std::invalid_argument("Neuron: a neuron needs at least one input");
    weights_.reserve(inputs);
    for (std::size_t i = 0; i < inputs; ++i)
        weights_.push_back(Value::parameter(init.draw(gen, inputs, fan_out), fmt::format("w{}", i)));
}

Value Neuron::operator()(std::span<const Value> x) const
{
    if (x.size() != weights_.size())
        throw std::invalid_argument(
            fmt::format("Neuron: expected {} inputs, got {}", weights_.size(), x.size()));
    // z = b + w0 x0 + w1 x1 + ...: one mul and one add per input, as micrograd builds it.
    Value z = weights_[0] * x[0];
    for (std::size_t i = 1; i < x.size(); ++i)
        z = z + weights_[i] * x[i];
    z = z + bias_;
    return activate(activation_, z);
}

std::vector<Value> Neuron::parameters() const
{
    std::vector<Value> out = weights_;
    out.push_back(bias_);
    return out;
}

Layer::Layer(std::size_t inputs, std::size_t outputs, Activation activation, const Init& init,
             autograd::Generator& gen)
    : inputs_(inputs)
{
    if (outputs == 0)
        throw std::invalid_argument("Layer: a layer needs at least one neuron");
    neurons_.reserve(outputs);
    for (std::size_t i = 0; i < outputs; ++i)
        neurons_.emplace_back(inputs, activation, init, gen, outputs);
}

std::vector<Value> Layer::operator()(std::span<const Value> x) const
{
    if (x.size() != inputs_)
        throw std::invalid_argument(fmt::format("Layer: expected {} inputs, got {}", inputs_, x.size()));
    std::vector<Value> out;
    out.reserve(neurons_.size());
    for (const Neuron& n : neurons_)
        out.push_back(n(x));
    return out;
}

namespace {
// The parameters of each part, in order.
template <class Parts> std::vector<Value> gather_parameters(const Parts& parts)
{
    std::vector<Value> out;
    for (const auto& part : parts)
        for (const Value& p : part.parameters())
            out.push_back(p);
    return out;
}
} // namespace

std::vector<Value> Layer::parameters() const { return gather_parameters(neurons_); }

MLP::MLP(std::size_t inputs, std::vector<std::size_t> sizes, const MLPOptions& options, autograd::Generator& gen)
    : inputs_(inputs)
{
    if (sizes.empty())
        throw std::invalid_argument("MLP: give at least one layer size");
    std::size_t in = inputs;
    for (std::size_t l = 0; l < sizes.size(); ++l) {
        const bool last = l + 1 == sizes.size();
        layers_.emplace_back(in, sizes[l], last ? options.output : options.hidden, options.init, gen);
        in = sizes[l];
    }
    for (const auto& [name, p] : named_parameters())
        p.set_label(name);
}

std::vector<Value> MLP::operator()(std::span<const Value> x) const
{
    std::vector<Value> h(x.begin(), x.end());
    for (const Layer& layer : layers_)
        h = layer(h);
    return h;
}

std::vector<double> MLP::predict(std::span<const double> x) const
{
    autograd::NoGradGuard no_grad;
    const std::vector<Value> in(x.begin(), x.end());
    std::vector<double> out;
    for (const Value& v : (*this)(in))
        out.push_back(v.data());
    return out;
}

std::vector<Value> MLP::parameters() const { return gather_parameters(layers_); }

std::vector<std::pair<std::string, Value>> MLP::named_parameters() const
{
    std::vector<std::pair<std::string, Value>> out;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        const std::vector<Neuron>& neurons = layers_[l].neurons();
        for (std::size_t n = 0; n < neurons.size(); ++n) {
            const std::vector<Value>& w = neurons[n].weights();
            for (std::size_t i = 0; i < w.size(); ++i)
                out.emplace_back(fmt::format("l{}.n{}.w{}", l, n, i), w[i]);
            out.emplace_back(fmt::format("l{}.n{}.b", l, n), neurons[n].bias());
        }
    }
    return out;
}

std::size_t MLP::num_parameters() const
{
    std::size_t count = 0;
    for (const Layer& layer : layers_)
        count += layer.outputs() * (layer.inputs() + 1);
    return count;
}

std::ostream& operator<<(std::ostream& os, const MLP& model)
{
    os << "MLP(" << model.inputs();
    for (const Layer& layer : model.layers())
        os << " -> " << layer.outputs() << ' ' << to_string(layer.neurons().front().activation());
    return os << "), " << model.num_parameters() << " parameters";
}

} // namespace nn
