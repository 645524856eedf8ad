// Embedding: a table of num_embeddings vectors of embedding_dim, looked up by index, as
// torch.nn.Embedding.
//
//   autograd::Generator gen(0);
//   nn::Embedding emb(1000, 64, gen, /*padding_idx=*/0);   // weight [1000, 64], N(0, 1); row 0 zeros
//   Tensor v = emb(Tensor({4, 0, 17}, {3}));               // [3, 64]
//   nn::Embedding capped(1000, 64, gen, {.max_norm = 1.0}); // rows looked up are renormalised to <= 1
//
// Indices are int64 (floating-point values that are integers are accepted too, as before int64
// tensors existed). With a padding_idx, that row starts at zero and gets no gradient, as in
// PyTorch. With max_norm, every forward first rescales in place the rows it looks up whose norm
// exceeds it (autograd::embedding says how), as torch.nn.Embedding(max_norm=...) does.
#pragma once

#include "nn/modules/module.hpp"

#include <autograd/random.hpp>

#include <optional>

namespace nn {

/// Embedding's settings, torch.nn.Embedding's defaults.
struct EmbeddingOptions {
    std::optional<std::int64_t> padding_idx = std::nullopt;
    std::optional<double> max_norm = std::nullopt; // >= 0
    double norm_type = 2.0;         // the p of the p-norm max_norm bounds (> 0; infinity allowed)
    autograd::Dtype dtype = autograd::Dtype::Float32;
};

class Embedding : public Module {
public:
    Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
              std::optional<std::int64_t> padding_idx = {}, autograd::Dtype dtype = autograd::Dtype::Float32);
    Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
              const EmbeddingOptions& options);

    autograd::Tensor forward(const autograd::Tensor& indices) override;
    std::string type_name() const override { return "Embedding"; }
    std::string extra_repr() const override;

    const autograd::Tensor& weight() const { return weight_; }
    /// In [0, num_embeddings) (a negative one given is counted from the end, as PyTorch does).
    std::optional<std::int64_t> padding_idx() const { return padding_idx_; }
    std::optional<double> max_norm() const { return max_norm_; }

private:
    std::int64_t num_, dim_;
    std::optional<std::int64_t> padding_idx_;
    std::optional<double> max_norm_;
    double norm_type_ = 2.0;
    autograd::Tensor weight_;
};

} // namespace nn
