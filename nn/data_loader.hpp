// TensorDataset and DataLoader: batches of (features, targets) for training, as torch.utils.data.
//
//   nn::TensorDataset train(images, labels);                     // rows of each belong together
//   nn::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 0});
//   for (int epoch = 0; epoch < 10; ++epoch)
//       for (const nn::Batch& b : loader) { ... model(b.features) ... b.targets ... }
//
// The tutorial's three modes are one option apart: batch_size 1 is online training, 0 (or the
// data set's size or more) full batch, anything between mini-batch stochastic training. With
// shuffle, every epoch (every begin()) draws a new order from the seeded generator, so a run is
// reproducible and each sample appears exactly once per epoch.
//
// A batch's rows are copied (one memcpy per row) into fresh tensors of their own: a batch stays
// valid after the loop moves on, and it is never part of a graph (the data set's tensors are
// read, not recorded, even if they require a gradient).
#pragma once

#include <autograd/random.hpp>
#include <autograd/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

namespace nn {

/// Two tensors whose first dimension indexes the same N samples. Holds handles: the data is
/// shared with the tensors given, not copied.
class TensorDataset {
public:
    /// features [N, ...] and targets [N, ...]; throws std::invalid_argument unless both are
    /// defined, at least 1-d, and have the same N.
    TensorDataset(autograd::Tensor features, autograd::Tensor targets);
    std::int64_t size() const { return features_.size(0); }
    const autograd::Tensor& features() const { return features_; }
    const autograd::Tensor& targets() const { return targets_; }

private:
    autograd::Tensor features_, targets_;
};

struct Batch {
    autograd::Tensor features; // [B, ...] rows of the data set's features
    autograd::Tensor targets;  // [B, ...] the same rows of its targets
};

struct DataLoaderOptions {
    std::int64_t batch_size = 1; // 1: online; 0 or >= N: the whole data set in one batch
    bool shuffle = false;
    bool drop_last = false;      // drop a last batch smaller than batch_size
    std::uint64_t seed = 0;      // of the shuffling
};

class DataLoader {
public:
    /// Keeps a copy of the data set (two tensor handles), so a temporary is fine. Throws
    /// std::invalid_argument for a negative batch size.
    DataLoader(TensorDataset data, DataLoaderOptions options);

    /// Batches per epoch.
    std::size_t size() const;
    /// The effective batch size (N for full batch).
    std::int64_t batch_size() const { return batch_; }
    const TensorDataset& dataset() const { return data_; }

    class Iterator {
    public:
        using iterator_concept = std::input_iterator_tag;
        using iterator_category = std::input_iterator_tag;
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        using reference = const Batch&;
        using pointer = const Batch*;
        const Batch& operator*() const { return batch_; }
        const Batch* operator->() const { return &batch_; }
        Iterator& operator++();
        Iterator operator++(int)
        {
            Iterator before = *this; // tensor handles: a cheap copy
            ++*this;
            return before;
        }
        /// Iterators compare by batch index (an epoch's end() is index size()).
        bool operator==(const Iterator& other) const { return index_ == other.index_; }

    private:
        friend class DataLoader;
        Iterator(const DataLoader* loader, std::size_t index);
        void load();
        const DataLoader* loader_;
        std::size_t index_;
        Batch batch_;
    };
    /// Starts an epoch: draws a new order when shuffling. One epoch at a time: a second
    /// begin() reorders the samples under an iterator still in use.
    Iterator begin();
    Iterator end();

private:
    Batch gather(std::size_t batch_index) const;

    TensorDataset data_;
    std::int64_t batch_;
    DataLoaderOptions options_;
    autograd::Generator gen_;
    std::vector<std::int64_t> order_;
};

} // namespace nn
