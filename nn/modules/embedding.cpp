#include "nn/modules/embedding.hpp"

#include <autograd/ops/norm.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
                     std::optional<std::int64_t> padding_idx, autograd::Dtype dtype)
    : Embedding(num_embeddings, embedding_dim, gen, EmbeddingOptions{.padding_idx = padding_idx, .dtype = dtype})
{
}

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
                     const EmbeddingOptions& options)
    : num_(num_embeddings), dim_(embedding_dim), max_norm_(options.max_norm), norm_type_(options.norm_type)
{
    const std::optional<std::int64_t> padding_idx = options.padding_idx;
    const autograd::Dtype dtype = options.dtype;
    if (max_norm_.has_value() && !(*max_norm_ >= 0.0))
        throw std::invalid_argument(fmt::format("Embedding: max_norm must be >= 0 (got {})", *max_norm_));
    if (!(norm_type_ > 0.0))
        throw std::invalid_argument(fmt::format("Embedding: norm_type must be > 0 (got {})", norm_type_));
    if (num_embeddings <= 0 || embedding_dim <= 0)
        throw std::invalid_argument(fmt::format(
            "Embedding: num_embeddings and embedding_dim must be positive (got {} and {})", num_embeddings, embedding_dim));
    if (padding_idx.has_value()) {
        const std::int64_t p = *padding_idx;
        if (p < -num_embeddings || p >= num_embeddings)
            throw std::out_of_range(fmt::format("Embedding: padding_idx {} is outside [-{}, {})", p, num_embeddings,
                                                num_embeddings));
        padding_idx_ = p < 0 ? p + num_embeddings : p;
    }
    // N(0, 1) as torch.nn.Embedding's reset_parameters, then the padding row zeroed.
    Tensor w = Tensor::randn({num_embeddings, embedding_dim}, gen, 0.0, 1.0, dtype);
    if (padding_idx_.has_value())
        autograd::dispatch(dtype, [&]<class T>() {
            T* row = w.data_ptr<T>() + *padding_idx_ * embedding_dim;
            std::fill(row, row + embedding_dim, T(0));
        });
    weight_ = register_parameter("weight", std::move(w));
}

Tensor Embedding::forward(const Tensor& indices)
{
    return autograd::embedding(indices, weight_, padding_idx_, max_norm_, norm_type_);
}

// As torch.nn.Embedding's repr: only the settings that differ from the defaults.
std::string Embedding::extra_repr() const
{
    std::string out = fmt::format("{}, {}", num_, dim_);
    if (padding_idx_.has_value())
        out += fmt::format(", padding_idx={}", *padding_idx_);
    if (max_norm_.has_value())
        out += fmt::format(", max_norm={}", *max_norm_);
    if (norm_type_ != 2.0)
        out += fmt::format(", norm_type={}", norm_type_);
    return out;
}

} // namespace nn
