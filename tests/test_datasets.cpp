// Data sets behind the DataLoader (nn::Dataset): ByteImageDataset against TensorDataset (the same
// batches, bit for bit, on hand-made data and on MNIST-10k, in every loader mode), its checks of
// bad input, get_batch's index check, a loader outliving the data set it was given, and a data set
// written by a user.
//
// Where the expected numbers come from:
// - pixel / 255 for the pixels 0, 51, 102, 153, 204, 255 is exactly 0, 0.2, 0.4, 0.6, 0.8, 1, so
//   the float32 result is the float nearest those decimals: the literals 0.2f, 0.4f, ...;
// - MNIST-10k: load_mnist's float images, whose values test_data checks against Python.
#define BOOST_TEST_MODULE datasets
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/data/byte_image_dataset.hpp>
#include <nn/data/data_loader.hpp>
#include <nn/data/idx.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using autograd::Dtype;
using autograd::Shape;
using autograd::Tensor;
using test_util::message_of;
namespace tt = boost::test_tools;

namespace {

using Indices = std::vector<std::int64_t>;

// Five samples of three pixels; sample i holds (51 i, 255 - 51 i, i) and label 4 - i.
nn::ByteImageDataset five(Dtype dtype = Dtype::Float32)
{
    std::vector<std::uint8_t> px;
    for (int i = 0; i < 5; ++i)
        for (int v : {51 * i, 255 - 51 * i, i})
            px.push_back(static_cast<std::uint8_t>(v));
    return nn::ByteImageDataset(px, 3, {4, 3, 2, 1, 0}, dtype);
}

// The same five samples as float tensors, written out by hand.
nn::TensorDataset five_as_tensors()
{
    return {Tensor({0.0f, 1.0f, 0.0f,                   // the pixels 1..4 are no decimals over 255:
                    0.2f, 0.8f, 1.0f / 255.0f,          // their quotients as float divisions
                    0.4f, 0.6f, 2.0f / 255.0f,
                    0.6f, 0.4f, 3.0f / 255.0f,
                    0.8f, 0.2f, 4.0f / 255.0f},
                   {5, 3}),
            Tensor({4, 3, 2, 1, 0}, {5})}; // int64 class labels, as the byte data set's
}

// Whether two tensors have the same dtype, shape and bytes.
bool identical(const Tensor& a, const Tensor& b)
{
    if (a.dtype() != b.dtype() || a.shape() != b.shape())
        return false;
    return autograd::dispatch_any(a.dtype(), [&]<class T>() {
        return std::memcmp(a.data_ptr<T>(), b.data_ptr<T>(), static_cast<std::size_t>(a.numel()) * sizeof(T)) == 0;
    });
}

// Runs two loaders side by side for `epochs` epochs; every batch must be identical. Returns the
// number of batches compared.
std::size_t compare_loaders(nn::DataLoader& a, nn::DataLoader& b, int epochs)
{
    BOOST_TEST_REQUIRE(a.size() == b.size());
    std::size_t batches = 0;
    for (int e = 0; e < epochs; ++e) {
        auto ib = b.begin();
        for (const nn::Batch& x : a) {
            BOOST_TEST_REQUIRE((ib != b.end()));
            BOOST_TEST_REQUIRE(identical(x.features, ib->features));
            BOOST_TEST_REQUIRE(identical(x.targets, ib->targets));
            ++ib;
            ++batches;
        }
        BOOST_TEST((ib == b.end()));
    }
    return batches;
}

} // namespace

BOOST_AUTO_TEST_CASE(byte_images_become_floats_in_zero_one_when_a_batch_is_made)
{
    const nn::ByteImageDataset data = five();
    BOOST_TEST(data.size() == 5);
    BOOST_TEST(data.num_features() == 3);
    BOOST_TEST(data.pixels().size() == 15u);
    const nn::Batch b = data.get_batch(Indices{3, 0, 3}); // any order, repeats allowed
    BOOST_TEST(b.features.dtype() == Dtype::Float32);
    BOOST_TEST(b.features.shape() == (Shape{3, 3}), tt::per_element());
    BOOST_TEST(b.targets.shape() == (Shape{3}), tt::per_element());
    const float* f = b.features.data_ptr<float>();
    const std::vector<float> want{0.6f, 0.4f, 3.0f / 255.0f, 0.0f, 1.0f, 0.0f, 0.6f, 0.4f, 3.0f / 255.0f};
    BOOST_TEST(std::vector<float>(f, f + 9) == want, tt::per_element()); // exact: no tolerance
    BOOST_TEST(b.targets.to_vector() == (std::vector<double>{1, 4, 1}), tt::per_element());
    BOOST_TEST(!b.features.requires_grad());

    const nn::Batch d = five(Dtype::Float64).get_batch(Indices{1});
    BOOST_TEST(d.features.dtype() == Dtype::Float64);
    BOOST_TEST(d.features.to_vector() == (std::vector<double>{51.0 / 255.0, 204.0 / 255.0, 1.0 / 255.0}),
               tt::per_element());
    BOOST_TEST(d.targets.dtype() == Dtype::Int64); // class labels are int64, as torch's

    const nn::Batch none = data.get_batch(Indices{});
    BOOST_TEST(none.features.shape() == (Shape{0, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(byte_batches_equal_tensor_batches_in_every_loader_mode)
{
    struct Case {
        nn::DataLoaderOptions options;
        std::size_t batches; // per epoch
    };
    const std::vector<Case> cases = {
        {{.batch_size = 2}, 3},                                      // in order, a last batch of 1
        {{.batch_size = 2, .drop_last = true}, 2},                   // without it
        {{.batch_size = 0}, 1},                                      // full batch
        {{.batch_size = 1, .shuffle = true, .seed = 3}, 5},          // online, shuffled
        {{.batch_size = 2, .shuffle = true, .seed = 7}, 3},          // mini-batches, shuffled
        {{.batch_size = 3, .shuffle = true, .drop_last = true}, 1},  // a different 3 each epoch
        {{.batch_size = 9, .shuffle = true, .seed = 1}, 1},          // more than N: full batch
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("batch_size " << c.options.batch_size << " shuffle " << c.options.shuffle << " drop_last "
                                         << c.options.drop_last)
        {
            nn::DataLoader bytes(five(), c.options);
            nn::DataLoader floats(five_as_tensors(), c.options);
            BOOST_TEST(bytes.size() == c.batches);
            BOOST_TEST(compare_loaders(bytes, floats, 4) == 4 * c.batches);
        }
    }
    // Full batch: the five samples in order.
    nn::DataLoader full(five(), {.batch_size = 0});
    BOOST_TEST(full.begin()->targets.to_vector() == (std::vector<double>{4, 3, 2, 1, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(byte_batches_equal_load_mnist_rows_bit_for_bit)
{
    const nn::ByteImageDataset bytes = nn::load_mnist_bytes(BACKPROP_DATA "/mnist-10k", "train");
    const nn::LabelledTensors floats = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "train");
    // load_mnist's images are the byte data set's conversion; the engine's own division of the raw
    // IDX values by 255 is an independent route to the same floats.
    const Tensor raw = nn::load_idx(BACKPROP_DATA "/mnist-10k/train-images-idx3-ubyte.gz").reshape({8000, 784});
    BOOST_TEST(identical(floats.features, raw / 255.0));
    BOOST_TEST(bytes.size() == 8000);
    BOOST_TEST(bytes.num_features() == 784);
    BOOST_TEST(bytes.pixels().size() == 8000u * 784u); // the file's data, its header dropped
    // The first image's pixel sum and the first labels, from Python (see test_data.cpp).
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < 784; ++i)
        sum += bytes.pixels()[i];
    BOOST_TEST(sum == 13167);
    BOOST_TEST(std::vector<std::int64_t>(bytes.labels().begin(), bytes.labels().begin() + 5) ==
                   (std::vector<std::int64_t>{3, 8, 7, 2, 3}),
               tt::per_element());
    for (const std::int64_t batch : {64, 1000}) {
        BOOST_TEST_CONTEXT("batch_size " << batch)
        {
            nn::DataLoader a(bytes, {.batch_size = batch, .shuffle = true, .seed = 0});
            nn::DataLoader b(nn::TensorDataset(floats.features, floats.labels),
                             {.batch_size = batch, .shuffle = true, .seed = 0});
            BOOST_TEST(compare_loaders(a, b, 2) == 2 * a.size());
        }
    }
    const nn::LabelledTensors doubles = nn::load_mnist(BACKPROP_DATA "/mnist-10k", "test", Dtype::Float64);
    nn::DataLoader a(nn::load_mnist_bytes(BACKPROP_DATA "/mnist-10k", "test", Dtype::Float64), {.batch_size = 0});
    nn::DataLoader b(nn::TensorDataset(doubles.features, doubles.labels), {.batch_size = 0});
    BOOST_TEST(compare_loaders(a, b, 1) == 1u);
}

BOOST_AUTO_TEST_CASE(bad_input_is_a_clear_error)
{
    const auto error_of = [](std::vector<std::uint8_t> px, std::int64_t features, std::vector<std::int64_t> labels) {
        return message_of<std::invalid_argument>([&] { nn::ByteImageDataset(px, features, labels); });
    };
    BOOST_TEST(error_of({1, 2, 3, 4, 5, 6, 7}, 3, {0, 1}) ==
               "ByteImageDataset: 7 pixel bytes for 2 labels of 3 features (want 6 bytes)");
    BOOST_TEST(error_of({1, 2, 3}, 3, {0, 1}) ==
               "ByteImageDataset: 3 pixel bytes for 2 labels of 3 features (want 6 bytes)");
    BOOST_TEST(error_of({}, 3, {0}) == "ByteImageDataset: 0 pixel bytes for 1 labels of 3 features (want 3 bytes)");
    BOOST_TEST(error_of({1, 2}, 0, {0, 1}) ==
               "ByteImageDataset: 0 features per sample (a sample needs at least one pixel)");
    BOOST_TEST(error_of({}, -2, {}) == "ByteImageDataset: -2 features per sample (a sample needs at least one pixel)");
    BOOST_TEST(error_of({1, 2, 3, 4}, 2, {0, -1}) ==
               "ByteImageDataset: label -1 of sample 1 is negative (class indices start at 0)");
    // No samples at all is a data set, as an empty TensorDataset is: a loader has no batches.
    nn::DataLoader empty(nn::ByteImageDataset({}, 3, {}), {.batch_size = 4});
    BOOST_TEST(empty.size() == 0u);
    BOOST_TEST((empty.begin() == empty.end()));

    // get_batch checks every index, for every data set.
    const nn::ByteImageDataset data = five();
    BOOST_TEST(message_of<std::out_of_range>([&] { (void)data.get_batch(Indices{0, 5}); }) ==
               "Dataset::get_batch: index 5 (position 1 of 2) is outside the 5 samples [0, 5)");
    BOOST_TEST(message_of<std::out_of_range>([] { (void)five_as_tensors().get_batch(Indices{-1}); }) ==
               "Dataset::get_batch: index -1 (position 0 of 1) is outside the 5 samples [0, 5)");
    BOOST_TEST(message_of<std::invalid_argument>([] { nn::DataLoader(std::shared_ptr<const nn::Dataset>(), {}); }) ==
               "DataLoader: no data set (a null pointer)");
}

BOOST_AUTO_TEST_CASE(a_loader_outlives_the_data_set_it_was_given)
{
    // A temporary, moved in: the loader keeps it.
    nn::DataLoader loader(five(), {.batch_size = 2, .shuffle = true, .seed = 2});
    std::vector<double> seen;
    for (int e = 0; e < 3; ++e)
        for (const nn::Batch& b : loader)
            for (double t : b.targets.to_vector())
                seen.push_back(t);
    BOOST_TEST(seen.size() == 15u);
    // Shared: the loader holds a reference of its own.
    auto shared = std::make_shared<const nn::ByteImageDataset>(five());
    const std::uint8_t* bytes = shared->pixels().data();
    nn::DataLoader from_shared(shared, {.batch_size = 0});
    shared.reset();
    BOOST_TEST(from_shared.begin()->features.at({4, 0}) == 0.8f);
    // A copy shares the bytes rather than copying them.
    const auto& held = dynamic_cast<const nn::ByteImageDataset&>(from_shared.dataset());
    BOOST_TEST(held.pixels().data() == bytes);
    const nn::ByteImageDataset copy = held;
    BOOST_TEST(copy.pixels().data() == bytes);
}

namespace {

// A data set of the user's: sample i has the feature i and the target i * i, made on demand.
class Squares final : public nn::Dataset {
public:
    std::int64_t size() const override { return 6; }
    mutable int calls = 0;

private:
    nn::Batch gather(std::span<const std::int64_t> indices) const override
    {
        ++calls;
        std::vector<float> x, y;
        for (std::int64_t i : indices) {
            x.push_back(static_cast<float>(i));
            y.push_back(static_cast<float>(i * i));
        }
        const auto n = static_cast<std::int64_t>(indices.size());
        return {Tensor(x, {n, 1}), Tensor(y, {n})};
    }
};

} // namespace

BOOST_AUTO_TEST_CASE(any_dataset_feeds_the_loader_one_call_a_batch)
{
    auto squares = std::make_shared<Squares>();
    nn::DataLoader loader(squares, {.batch_size = 4, .shuffle = true, .seed = 9});
    std::vector<double> seen;
    for (const nn::Batch& b : loader) {
        const std::vector<double> x = b.features.to_vector(), y = b.targets.to_vector();
        for (std::size_t r = 0; r < x.size(); ++r) {
            BOOST_TEST(y[r] == x[r] * x[r]);
            seen.push_back(x[r]);
        }
    }
    BOOST_TEST(squares->calls == 2); // 6 samples in batches of 4: two calls, not six
    std::sort(seen.begin(), seen.end());
    BOOST_TEST(seen == (std::vector<double>{0, 1, 2, 3, 4, 5}), tt::per_element());
}
