// Embedding: a table of num_embeddings vectors of embedding_dim, looked up by index, as
// torch.nn.Embedding.
//
//   autograd::Generator gen(0);
//   nn::Embedding emb(1000, 64, gen, /*padding_idx=*/0);   // weight [1000, 64], N(0, 1); row 0 zeros
//   Tensor v = emb(Tensor({4.f, 0.f, 17.f}, {3}));         // [3, 64]
//
// Indices are integral values of a floating tensor (this version has no integer tensors). With a
// padding_idx, that row starts at zero and gets no gradient, as in PyTorch.
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/random.hpp>

#include <optional>

namespace nn {

class Embedding : public Module {
public:
    Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
              std::optional<std::int64_t> padding_idx = {}, autograd::Dtype dtype = autograd::Dtype::Float32);

    autograd::Tensor forward(const autograd::Tensor& indices) override;
    std::string type_name() const override { return "Embedding"; }
    std::string extra_repr() const override;

    const autograd::Tensor& weight() const { return weight_; }
    /// In [0, num_embeddings) (a negative one given is counted from the end, as PyTorch does).
    std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

private:
    std::int64_t num_, dim_;
    std::optional<std::int64_t> padding_idx_;
    autograd::Tensor weight_;
};

} // namespace nn
