#include "nn/modules/embedding.hpp"

#include <autograd/ops/norm.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace nn {

using autograd::Tensor;

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, autograd::Generator& gen,
                     std::optional<std::int64_t> padding_idx, autograd::Dtype dtype)
    : num_(num_embeddings), dim_(embedding_dim)
{
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

Tensor Embedding::forward(const Tensor& indices) { return autograd::embedding(indices, weight_, padding_idx_); }

std::string Embedding::extra_repr() const
{
    return padding_idx_.has_value() ? fmt::format("{}, {}, padding_idx={}", num_, dim_, *padding_idx_)
                                    : fmt::format("{}, {}", num_, dim_);
}

} // namespace nn
