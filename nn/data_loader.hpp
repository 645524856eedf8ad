// TensorDataset and DataLoader: batches of (features, targets) for training, as torch.utils.data.
//
//   nn::TensorDataset train(images, labels);                     // rows of each belong together
//   nn::DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 0});
//   for (int epoch = 0; epoch < 10; ++epoch)
//       for (const nn::Batch& b : loader) { ... model(b.features) ... b.targets ... }
//
// The tutorial's three modes are one option apart: batch_size 1 is online training, 0 (or the
// data set's size) full batch, anything between mini-batch stochastic training. With shuffle,
// every epoch draws a new order from the seeded generator, so a run is reproducible.
#pragma once

#include <autograd/random.hpp>
#include <autograd/tensor.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nn {

class TensorDataset {
public:
    /// features [N, ...] and targets [N, ...]; throws std::invalid_argument unless both have N rows.
    TensorDataset(autograd::Tensor features, autograd::Tensor targets);
    std::int64_t size() const { return features_.size(0); }
    const autograd::Tensor& features() const { return features_; }
    const autograd::Tensor& targets() const { return targets_; }

private:
    autograd::Tensor features_, targets_;
};

struct Batch {
    autograd::Tensor features;
    autograd::Tensor targets;
};

struct DataLoaderOptions {
    std::int64_t batch_size = 1; // 0: the whole data set in one batch
    bool shuffle = false;
    bool drop_last = false;      // drop a last batch smaller than batch_size
    std::uint64_t seed = 0;      // of the shuffling
};

class DataLoader {
public:
    DataLoader(const TensorDataset& data, DataLoaderOptions options);

    /// Batches per epoch.
    std::size_t size() const;
    std::int64_t batch_size() const { return batch_; }

    class Iterator {
    public:
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        const Batch& operator*() const { return batch_; }
        const Batch* operator->() const { return &batch_; }
        Iterator& operator++();
        bool operator==(const Iterator& other) const { return index_ == other.index_; }

    private:
        friend class DataLoader;
        Iterator(const DataLoader* loader, std::size_t index);
        void load();
        const DataLoader* loader_;
        std::size_t index_;
        Batch batch_;
    };
    /// Starts an epoch (a new order when shuffling).
    Iterator begin();
    Iterator end();

private:
    Batch gather(std::size_t batch_index) const;

    const TensorDataset* data_;
    std::int64_t batch_;
    DataLoaderOptions options_;
    autograd::Generator gen_;
    std::vector<std::int64_t> order_;
};

} // namespace nn
