// DataLoader: batches of (features, targets) from a data set, for training, as
// torch.utils.data.DataLoader.
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
// Any nn::Dataset will do (dataset.hpp): the loader draws the indices and asks the data set
// for each batch (Dataset::get_batch). Float tensors: TensorDataset (included here); images kept
// as bytes and converted per batch: ByteImageDataset (byte_image_dataset.hpp). A batch is made
// of fresh tensors of its own: it stays valid after the loop moves on, and it is never part of a
// graph.
//
// Shards (num_replicas P > 1, as torch's DistributedSampler): every replica draws the same
// seeded order, and step s of replica r takes positions [s*B + r*B/P, s*B + (r+1)*B/P) of it, a
// contiguous block of the global batch. So the P replicas of step s together hold exactly the
// rows one process with batch B holds in step s, replica r the rows r*B/P to (r+1)*B/P - 1 of it;
// the mean of the replicas' mean gradients is the one process's mean gradient, and the replicas
// are disjoint and equally sized. (torch strides instead, position r, r+P, ...: the same set per
// step, but a replica's rows would not be one block of the single process's batch, and a
// contiguous block is one slice of the order.) A last global batch of R < B rows is padded, as
// torch pads, with the order's first positions up to a multiple of P, so every replica gets
// ceil(R/P) rows and takes the same number of steps; with R a multiple of P (or drop_last) no
// sample repeats and the equality with one process holds for the whole epoch. B must be a
// multiple of P (an error naming both otherwise).
#pragma once

#include "nn/data/dataset.hpp"
#include "nn/data/tensor_dataset.hpp"

#include <autograd/random.hpp>
#include <autograd/tensor.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

namespace nn {

struct DataLoaderOptions {
    std::int64_t batch_size = 1; // 1: online; 0 or >= N: the whole data set in one batch
    bool shuffle = false;
    bool drop_last = false;      // drop a last batch smaller than batch_size
    std::uint64_t seed = 0;      // of the shuffling
    // Data parallelism (dist/distributed_sampler.hpp sets these from an MPI process group): this
    // loader is replica `rank` of `num_replicas`, batch_size is the global batch, and each batch
    // holds this replica's batch_size / num_replicas rows of it; see "Shards" below.
    std::int64_t num_replicas = 1;
    std::int64_t rank = 0;
};

class DataLoader {
public:
    /// Shares the data set; throws std::invalid_argument for a null one, a negative batch size, a
    /// rank outside [0, num_replicas) or a batch size that num_replicas does not divide.
    DataLoader(std::shared_ptr<const Dataset> data, DataLoaderOptions options);
    /// Keeps a copy of the data set, so a temporary is fine (TensorDataset and ByteImageDataset
    /// hold handles to their storage: the copy is cheap and shares the data).
    template <std::derived_from<Dataset> D>
    DataLoader(D data, DataLoaderOptions options)
        : DataLoader(std::make_shared<const D>(std::move(data)), options)
    {
    }

    /// Batches per epoch.
    std::size_t size() const;
    /// The effective (global) batch size (N for full batch).
    std::int64_t batch_size() const { return batch_; }
    /// The data set batches come from (dynamic_cast to its type for that type's accessors).
    const Dataset& dataset() const { return *data_; }

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

    std::shared_ptr<const Dataset> data_;
    std::int64_t batch_;
    DataLoaderOptions options_;
    autograd::Generator gen_;
    std::vector<std::int64_t> order_;
};

} // namespace nn
