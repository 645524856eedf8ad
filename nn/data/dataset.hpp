// Dataset: PyTorch's map-style data set, N samples addressed by index, and Batch, what it
// assembles for a list of indices. The DataLoader draws the indices (in order or shuffled) and
// asks the data set for each batch; how the samples are stored is the data set's business:
// float tensors (TensorDataset), bytes converted when fetched (ByteImageDataset), ...
//
//   class Squares : public nn::Dataset {           // sample i: features {i}, target i*i
//   public:
//       std::int64_t size() const override { return 100; }
//   private:
//       nn::Batch gather(std::span<const std::int64_t> indices) const override { ... }
//   };
//   nn::DataLoader loader(Squares(), {.batch_size = 10, .shuffle = true});
//
// NOTE: a whole batch at a time, not one sample (PyTorch's __getitem__): one virtual call per
// batch, and the implementation's copy loop over the rows stays a plain loop the compiler
// vectorises (LibTorch's Dataset::get_batch, PyTorch's __getitems__).
#pragma once

#include <autograd/tensor.hpp>

#include <cstdint>
#include <span>

namespace nn {

struct Batch {
    autograd::Tensor features; // [B, ...] the samples' features, row r for the r-th index asked for
    autograd::Tensor targets;  // [B, ...] their targets, in the same order
};

class Dataset {
public:
    virtual ~Dataset() = default;

    /// Number of samples N. It must not change while a DataLoader holds the data set (the
    /// loader draws its order of indices once, for N samples).
    virtual std::int64_t size() const = 0;

    /// The samples at `indices` (repeats allowed), as fresh tensors outside any graph: a batch
    /// stays valid and unchanged whatever happens to the data set afterwards. Throws
    /// std::out_of_range naming the index unless every index is in [0, size()).
    Batch get_batch(std::span<const std::int64_t> indices) const;

protected:
    Dataset() = default;
    // Copied and moved only as part of an implementation (no slicing through the base).
    Dataset(const Dataset&) = default;
    Dataset(Dataset&&) = default;
    Dataset& operator=(const Dataset&) = default;
    Dataset& operator=(Dataset&&) = default;

private:
    /// get_batch after its check: every index is in [0, size()).
    virtual Batch gather(std::span<const std::int64_t> indices) const = 0;
};

} // namespace nn
