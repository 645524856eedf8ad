// Module: the base of tensor models, as torch.nn.Module.
//
//   nn::Sequential model{nn::Linear(784, 128, gen), nn::ReLU(), nn::Linear(128, 10, gen)};
//   Tensor logits = model(x);                       // forward
//   model.named_parameters();                       // {"0.weight", ...}, {"0.bias", ...}, ...
//   nn::SGD opt(model.parameters(), {.lr = 0.05});  // any optimizer
//   model.eval();                                   // Dropout off, BatchNorm on its running statistics
//
// A module owns its parameters (leaf tensors that require a gradient), its buffers (state saved
// with it but not trained, as BatchNorm's running statistics) and its children, each under a name; names join with dots, as in PyTorch's state_dict, so weights saved from one are
// found by name in the other.
#pragma once

#include "nn/io/state_dict.hpp"

#include <autograd/tensor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nn {

class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    // A module is shared by handle (std::shared_ptr), as in LibTorch; copying one would leave two
    // modules sharing parameter tensors, which is rarely what is meant.
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    Module(Module&&) = default;
    Module& operator=(Module&&) = default;

    virtual autograd::Tensor forward(const autograd::Tensor& input) = 0;
    autograd::Tensor operator()(const autograd::Tensor& input) { return forward(input); }

    /// Every parameter of this module and its children, depth first, in registration order.
    std::vector<autograd::Tensor> parameters() const;
    /// The same with dotted names: "weight", "0.bias", "encoder.1.weight".
    std::vector<std::pair<std::string, autograd::Tensor>> named_parameters() const;
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
    /// The number of trainable numbers.
    std::int64_t num_parameters() const;

    /// Every buffer (state saved with the model but not trained: BatchNorm's running statistics),
    /// with dotted names, depth first.
    std::vector<std::pair<std::string, autograd::Tensor>> named_buffers() const;

    /// The parameters and buffers by name, in PyTorch's order (each module's parameters, then its
    /// buffers, then its children's): handles to the live tensors, so saving them saves the
    /// current weights and loading into them loads the module.
    StateDict state_dict() const;
    /// Copies weights into this module's parameters by name, checking names (with strict, every
    /// missing and unexpected name is an error), shapes and dtypes.
    void load_state_dict(const StateDict& state, bool strict = true);

    /// Training or evaluation mode, for this module and all below it (Dropout looks at it).
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }
    /// Drops every parameter's gradient (PyTorch's set_to_none).
    void zero_grad();

    /// The module's type, as printed: "Linear".
    virtual std::string type_name() const = 0;
    /// Its settings, as printed inside the parentheses: "in_features=784, out_features=128, bias=True".
    virtual std::string extra_repr() const { return {}; }
    /// The module tree as PyTorch prints it, then the parameter count.
    std::string summary() const;

protected:
    /// Registers a parameter (a tensor this module trains) under a name; returns it.
    const autograd::Tensor& register_parameter(std::string name, autograd::Tensor tensor);
    /// Registers a buffer: a tensor saved and loaded with the state dict that is not a parameter
    /// (no gradient, not in parameters()); the module updates it in place. Returns it.
    const autograd::Tensor& register_buffer(std::string name, autograd::Tensor tensor);
    /// Registers a child module under a name; returns it.
    template <class M> std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module)
    {
        add_child(std::move(name), module);
        return module;
    }

private:
    void add_child(std::string name, std::shared_ptr<Module> module);
    void print(std::string& out, int indent) const;
    void collect_state(const std::string& prefix, StateDict& state) const;

    std::vector<std::pair<std::string, autograd::Tensor>> parameters_;
    std::vector<std::pair<std::string, autograd::Tensor>> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

} // namespace nn
