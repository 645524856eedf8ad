// Data-parallel training equals one process (issue 14's core), run by CTest under mpirun with 1,
// 2 and 4 ranks: every rank trains an MLP on its share of each global batch through
// DistributedDataParallel and a distributed DataLoader, then trains the same MLP alone on the
// whole batches (no MPI), and compares the final weights. Each rank starts from weights of its
// own seed, so the equality also shows that the wrapper broadcast rank 0's.
//
// Tolerance, relative to the largest weight of each tensor: 1e-12 in float64, 1e-5 in float32.
// The weights are not equal bit for bit: each rank sums its rows' gradients in its own order and
// MPI then adds the ranks' sums, where one process adds all rows in one order.
#define BOOST_TEST_MODULE dist_training
#include <boost/test/unit_test.hpp>

#include <dist/collectives.hpp>
#include <dist/data_parallel.hpp>
#include <dist/distributed_sampler.hpp>
#include <dist/process_group.hpp>

#include <nn/data/data_loader.hpp>
#include <nn/modules/activation.hpp>
#include <nn/modules/linear.hpp>
#include <nn/modules/loss.hpp>
#include <nn/modules/norm.hpp>
#include <nn/modules/sequential.hpp>
#include <nn/optim/adam.hpp>
#include <nn/optim/sgd.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <span>
#include <string>

using autograd::Dtype;
using autograd::Tensor;

namespace {

// MPI starts once per process: one group for all test cases.
std::optional<dist::ProcessGroup> world;
struct WorldFixture {
    WorldFixture() { world.emplace(); }
    ~WorldFixture() { world.reset(); }
};
const dist::ProcessGroup& group() { return *world; }

constexpr std::int64_t samples = 100, features = 6, classes = 3;
constexpr std::int64_t global_batch = 16; // 100 = 6 * 16 + 4: a short last batch, 4 rows split over 1, 2 or 4 ranks
constexpr int epochs = 3;                 // 21 steps

// A fixed data set: Gaussian features, labels from a fixed linear rule (so the loss can fall).
nn::TensorDataset make_data(Dtype dtype)
{
    autograd::Generator gen(42);
    const Tensor x = Tensor::randn({samples, features}, gen, 0.0, 1.0, Dtype::Float64);
    const Tensor w = Tensor::randn({features, classes}, gen, 0.0, 1.0, Dtype::Float64);
    const std::vector<double> scores = autograd::matmul(x, w).to_vector();
    std::vector<double> labels(samples);
    for (std::int64_t i = 0; i < samples; ++i) {
        const auto row = scores.begin() + i * classes;
        labels[static_cast<std::size_t>(i)] = static_cast<double>(std::max_element(row, row + classes) - row);
    }
    return nn::TensorDataset(x.to(dtype), Tensor(labels, {samples}).to(dtype));
}

std::shared_ptr<nn::Sequential> make_model(std::uint64_t seed, Dtype dtype)
{
    autograd::Generator gen(seed);
    return std::make_shared<nn::Sequential>(nn::Linear(features, 16, gen, true, dtype), nn::Tanh(),
                                            nn::Linear(16, 16, gen, true, dtype), nn::Tanh(),
                                            nn::Linear(16, classes, gen, true, dtype));
}

enum class Rule { SgdMomentum, Adam };

std::unique_ptr<nn::Optimizer> make_optimizer(Rule rule, std::vector<Tensor> params)
{
    if (rule == Rule::SgdMomentum)
        return std::make_unique<nn::SGD>(std::move(params), nn::SGDOptions{.lr = 0.1, .momentum = 0.9});
    return std::make_unique<nn::Adam>(std::move(params), nn::AdamOptions{.lr = 0.01});
}

// How the ranks take a step: sync_gradients() then opt.step() on every rank (all-reduce), or
// ddp.step(opt) (with the ranks of one machine: shared parameters, each updating its share).
enum class Way { AllReduce, Step };

void train(nn::Module& model, nn::DataLoader& loader, nn::Optimizer& opt, dist::DistributedDataParallel* ddp,
           Way way = Way::AllReduce)
{
    for (int epoch = 0; epoch < epochs; ++epoch)
        for (const nn::Batch& b : loader) {
            opt.zero_grad();
            nn::cross_entropy(model(b.features), b.targets).backward();
            if (ddp != nullptr && way == Way::Step) {
                ddp->step(opt);
                continue;
            }
            if (ddp != nullptr)
                ddp->sync_gradients();
            opt.step();
        }
}

// The largest difference between two tensors relative to the largest element of `expected`.
double relative_difference(const Tensor& got, const Tensor& expected)
{
    const std::vector<double> a = got.to_vector(), b = expected.to_vector();
    double largest = 0.0, diff = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        largest = std::max(largest, std::abs(b[i]));
        diff = std::max(diff, std::abs(a[i] - b[i]));
    }
    return largest == 0.0 ? diff : diff / largest;
}

// Trains once alone (batch 16) and once over the ranks (16 / P each), and compares the weights.
void check_equal_to_one_process(Rule rule, Dtype dtype, double tolerance, dist::DataParallelOptions ddp_options = {},
                                Way way = Way::AllReduce)
{
    const nn::TensorDataset data = make_data(dtype);
    const nn::DataLoaderOptions options{.batch_size = global_batch, .shuffle = true, .seed = 7};

    auto alone = make_model(1, dtype);
    nn::DataLoader alone_loader(data, options);
    auto alone_opt = make_optimizer(rule, alone->parameters());
    train(*alone, alone_loader, *alone_opt, nullptr);

    // Rank 0 starts from the weights the single process started from, the others from their own.
    auto model = make_model(1 + 1000 * static_cast<std::uint64_t>(group().rank()), dtype);
    std::optional<dist::DistributedDataParallel> wrapper(std::in_place, model, group(), ddp_options);
    dist::DistributedDataParallel& ddp = *wrapper;
    nn::DataLoader loader(data, dist::distributed(group(), options));
    BOOST_TEST(loader.batch_size() == global_batch);
    nn::DataLoader probe(data, dist::distributed(group(), options)); // begin() would draw loader's first order
    BOOST_TEST(probe.begin()->features.shape()[0] == global_batch / group().world_size());
    auto opt = make_optimizer(rule, ddp.parameters());
    train(ddp, loader, *opt, &ddp, way);
    if (way == Way::Step) {
        // Shared exactly where the ranks are several and the options allow it.
        BOOST_TEST(ddp.shares_parameters() ==
                   (group().world_size() > 1 && ddp_options.share_parameters && !ddp_options.overlap));
        // The optimizer's state gathered from the ranks that updated each parameter is one process's.
        const nn::StateDict state = ddp.optimizer_state_dict(*opt), alone_state = alone_opt->state_dict();
        BOOST_TEST_REQUIRE(state.size() == alone_state.size());
        for (const auto& item : alone_state) {
            BOOST_TEST_CONTEXT("optimizer state " << item.first)
            BOOST_TEST(relative_difference(state.at(item.first), item.second) <= tolerance);
        }
        // The model outlives the wrapper: its parameters move back into memory of their own, values kept.
        std::vector<std::vector<double>> before;
        for (const Tensor& p : model->parameters())
            before.push_back(p.to_vector());
        wrapper.reset();
        for (std::size_t k = 0; k < before.size(); ++k)
            BOOST_TEST(model->parameters()[k].to_vector() == before[k], boost::test_tools::per_element());
    }

    const auto expected = alone->named_parameters();
    const auto got = model->named_parameters();
    BOOST_TEST_REQUIRE(got.size() == expected.size());
    double worst = 0.0;
    for (std::size_t k = 0; k < got.size(); ++k) {
        const double relative = relative_difference(got[k].second, expected[k].second);
        worst = std::max(worst, relative);
        BOOST_TEST(relative <= tolerance, "rank " << group().rank() << " of " << group().world_size() << ": "
                                                  << got[k].first << " differs by " << relative
                                                  << " of its largest weight (tolerance " << tolerance << ")");
    }
    BOOST_TEST_MESSAGE("rank " << group().rank() << " of " << group().world_size() << ": largest relative difference "
                               << worst << " (tolerance " << tolerance << ")");
    // Training moved the weights (a comparison of two untrained models would prove nothing).
    const double moved = std::abs(expected[0].second.to_vector()[0] - make_model(1, dtype)->parameters()[0].to_vector()[0]);
    BOOST_TEST(moved > 1e-4);
}

} // namespace

BOOST_TEST_GLOBAL_FIXTURE(WorldFixture);

// Each every way: gradients sent after backward(), from the hooks during it (overlap), and
// ddp.step(opt) with the parameters shared (as one machine's ranks are here) and not.
void check_both_ways(Rule rule, Dtype dtype, double tolerance, dist::DataParallelOptions ddp_options = {})
{
    for (const bool overlap : {false, true}) {
        BOOST_TEST_CONTEXT("overlap " << overlap)
        {
            ddp_options.overlap = overlap;
            check_equal_to_one_process(rule, dtype, tolerance, ddp_options);
        }
    }
    ddp_options.overlap = false;
    for (const bool share : {true, false}) {
        BOOST_TEST_CONTEXT("step(opt), share_parameters " << share)
        {
            ddp_options.share_parameters = share;
            check_equal_to_one_process(rule, dtype, tolerance, ddp_options, Way::Step);
        }
    }
}

BOOST_AUTO_TEST_CASE(sgd_momentum_float64_equals_one_process) { check_both_ways(Rule::SgdMomentum, Dtype::Float64, 1e-12); }
BOOST_AUTO_TEST_CASE(adam_float64_equals_one_process) { check_both_ways(Rule::Adam, Dtype::Float64, 1e-12); }
BOOST_AUTO_TEST_CASE(sgd_momentum_float32_equals_one_process) { check_both_ways(Rule::SgdMomentum, Dtype::Float32, 1e-5); }
BOOST_AUTO_TEST_CASE(adam_float32_equals_one_process) { check_both_ways(Rule::Adam, Dtype::Float32, 1e-5); }

// Buckets of 64 bytes: every parameter in a bucket of its own (the smallest, a bias of 3 doubles,
// is 24 bytes; two 16-element biases do not fit together). The averaging must not depend on them.
BOOST_AUTO_TEST_CASE(small_buckets_change_nothing)
{
    check_both_ways(Rule::Adam, Dtype::Float64, 1e-12, {.bucket_bytes = 64});
    dist::DistributedDataParallel small(make_model(1, Dtype::Float64), group(), {.bucket_bytes = 64});
    BOOST_TEST(small.bucket_names().size() == 6u);
    BOOST_TEST(small.bucket_names().front() == std::vector<std::string>{"4.bias"});
    dist::DistributedDataParallel one(make_model(1, Dtype::Float64), group());
    BOOST_TEST(one.bucket_names().size() == 1u); // 4 MiB holds the whole model
    BOOST_TEST(one.bucket_names().front().size() == 6u);
}

// A parameter alone in its bucket is averaged in its own gradient (no copy), unless something else
// holds that gradient: a handle the user kept keeps the rank's own values, and the parameter gets
// the mean in a tensor of its own. The mean is checked against the ranks' gradients gathered by
// all_reduce of a copy.
BOOST_AUTO_TEST_CASE(a_gradient_is_averaged_in_place_unless_someone_holds_it)
{
    auto model = make_model(3, Dtype::Float64);
    dist::DistributedDataParallel ddp(model, group(), {.bucket_bytes = 64}); // every parameter alone
    autograd::Generator gen(100 + static_cast<std::uint64_t>(group().rank())); // each rank its own rows
    const Tensor x = Tensor::randn({4, features}, gen, 0.0, 1.0, Dtype::Float64);
    const Tensor y = Tensor(std::vector<double>{0, 1, 2, 1}, {4});
    nn::cross_entropy(ddp(x), y).backward();

    const auto params = model->parameters();
    const Tensor held = params[0].grad(); // the user keeps the first weight's gradient
    const std::vector<double> held_before = held.to_vector();
    const double* free_before = params[2].grad().data_ptr<double>();
    std::vector<std::vector<double>> mean;
    for (const Tensor& p : params) {
        std::vector<double> g = p.grad().to_vector();
        dist::all_reduce(group(), std::span<double>(g), dist::ReduceOp::Sum);
        for (double& v : g)
            v /= group().world_size();
        mean.push_back(std::move(g));
    }
    ddp.sync_gradients();

    BOOST_TEST(held.to_vector() == held_before, boost::test_tools::per_element());
    if (group().world_size() > 1)
        BOOST_TEST(params[0].grad().data_ptr<double>() != held.data_ptr<double>());
    else // one rank: its gradient is the mean already, and sync_gradients() leaves every one alone
        BOOST_TEST(params[0].grad().data_ptr<double>() == held.data_ptr<double>());
    BOOST_TEST(params[2].grad().data_ptr<double>() == free_before); // in place
    for (std::size_t k = 0; k < params.size(); ++k) {
        const std::vector<double> got = params[k].grad().to_vector();
        for (std::size_t i = 0; i < got.size(); ++i)
            BOOST_TEST(std::abs(got[i] - mean[k][i]) <= 1e-12 * (1.0 + std::abs(mean[k][i])),
                       "parameter " << k << " element " << i << ": " << got[i] << " against " << mean[k][i]);
    }
}

namespace {

// One Linear used twice in the graph (its gradient reaches the weight twice per backward):
// x -> tanh(lin(x)) -> lin -> head.
class Reused : public nn::Module {
public:
    explicit Reused(std::uint64_t seed)
    {
        autograd::Generator gen(seed);
        lin_ = register_module("lin", std::make_shared<nn::Linear>(features, features, gen, true, Dtype::Float64));
        head_ = register_module("head", std::make_shared<nn::Linear>(features, classes, gen, true, Dtype::Float64));
    }
    Tensor forward(const Tensor& x) override { return (*head_)((*lin_)(autograd::tanh((*lin_)(x)))); }
    std::string type_name() const override { return "Reused"; }

private:
    std::shared_ptr<nn::Linear> lin_, head_;
};

// Two backward() calls per step (each on half the loss) before one sync: the gradients accumulate.
void train_accumulating(nn::Module& model, nn::DataLoader& loader, nn::Optimizer& opt, dist::DistributedDataParallel* ddp)
{
    for (int epoch = 0; epoch < epochs; ++epoch)
        for (const nn::Batch& b : loader) {
            opt.zero_grad();
            for (int half = 0; half < 2; ++half)
                (nn::cross_entropy(model(b.features), b.targets) * 0.5).backward();
            if (ddp != nullptr)
                ddp->sync_gradients();
            opt.step();
        }
}

} // namespace

// The hooks' harder cases: a weight whose gradient arrives twice in one backward, gradients
// accumulated over two backward() calls (the second pass's early all-reduces are redone), and
// small buckets, so that some are sent before the reused weight's second gradient arrives.
BOOST_AUTO_TEST_CASE(reused_weights_and_accumulated_gradients_equal_one_process)
{
    const nn::TensorDataset data = make_data(Dtype::Float64);
    const nn::DataLoaderOptions options{.batch_size = global_batch, .shuffle = true, .seed = 11};
    Reused alone(5);
    nn::DataLoader alone_loader(data, options);
    nn::SGD alone_opt(alone.parameters(), {.lr = 0.1, .momentum = 0.9});
    train_accumulating(alone, alone_loader, alone_opt, nullptr);
    for (const bool overlap : {false, true})
        for (const std::int64_t bucket_bytes : {std::int64_t{64}, std::int64_t{4} << 20}) {
            BOOST_TEST_CONTEXT("overlap " << overlap << ", bucket_bytes " << bucket_bytes)
            {
                auto model = std::make_shared<Reused>(5 + 1000 * static_cast<std::uint64_t>(group().rank()));
                dist::DistributedDataParallel ddp(model, group(), {.bucket_bytes = bucket_bytes, .overlap = overlap});
                nn::DataLoader loader(data, dist::distributed(group(), options));
                nn::SGD opt(ddp.parameters(), {.lr = 0.1, .momentum = 0.9});
                train_accumulating(ddp, loader, opt, &ddp);
                const auto expected = alone.parameters();
                const auto got = model->parameters();
                for (std::size_t k = 0; k < got.size(); ++k) {
                    const std::vector<double> a = got[k].to_vector(), e = expected[k].to_vector();
                    double largest = 0.0, diff = 0.0;
                    for (std::size_t i = 0; i < a.size(); ++i) {
                        largest = std::max(largest, std::abs(e[i]));
                        diff = std::max(diff, std::abs(a[i] - e[i]));
                    }
                    BOOST_TEST(diff <= 1e-12 * largest, "parameter " << k << " differs by " << diff);
                }
            }
        }
}

// Buffers come from rank 0 too (BatchNorm's running mean).
// step(opt)'s refusals: an optimizer over other parameters, a second optimizer, and
// sync_gradients() once the ranks share one copy of the parameters (each stepping all of it
// would update it once a rank).
BOOST_AUTO_TEST_CASE(step_refuses_what_would_train_wrongly)
{
    const nn::TensorDataset data = make_data(Dtype::Float64);
    auto model = make_model(1, Dtype::Float64);
    dist::DistributedDataParallel ddp(model, group());
    nn::SGD opt(ddp.parameters(), {.lr = 0.1, .momentum = 0.9});
    std::vector<Tensor> fewer = ddp.parameters();
    fewer.pop_back();
    nn::SGD partial(fewer, {.lr = 0.1});
    const auto message_has = [](std::string part) {
        return [part](const std::exception& e) { return std::string(e.what()).find(part) != std::string::npos; };
    };
    BOOST_CHECK_EXCEPTION(ddp.step(partial), std::invalid_argument,
                          message_has("the SGD has 5 parameters that are not the model's 6 in order"));
    nn::DataLoader loader(data, dist::distributed(group(), {.batch_size = global_batch}));
    const nn::Batch b = *loader.begin();
    opt.zero_grad();
    nn::cross_entropy(ddp(b.features), b.targets).backward();
    ddp.step(opt);
    nn::SGD other(ddp.parameters(), {.lr = 0.1});
    BOOST_CHECK_EXCEPTION(ddp.step(other), std::invalid_argument, message_has("another optimizer (SGD)"));
    if (ddp.shares_parameters())
        BOOST_CHECK_EXCEPTION(ddp.sync_gradients(), std::logic_error, message_has("train with step(opt) alone"));
    else
        BOOST_TEST(group().world_size() == 1); // alone, step(opt) is opt.step(): nothing to share
}

BOOST_AUTO_TEST_CASE(buffers_are_broadcast_from_rank_0)
{
    auto bn = std::make_shared<nn::BatchNorm1d>(4, nn::BatchNormOptions{.dtype = Dtype::Float64});
    std::fill_n(bn->running_mean().data_ptr<double>(), 4, 10.0 + group().rank());
    dist::DistributedDataParallel ddp(bn, group());
    BOOST_TEST(bn->running_mean().to_vector() == std::vector<double>(4, 10.0));
}

BOOST_AUTO_TEST_CASE(collectives)
{
    const int rank = group().rank(), size = group().world_size();
    const Tensor t({double(rank), 1.0}, {2});
    dist::all_reduce(group(), t, dist::ReduceOp::Sum);
    BOOST_TEST(t.to_vector() == (std::vector<double>{size * (size - 1) / 2.0, double(size)}));
    const Tensor m({float(rank)}, {1});
    dist::all_reduce(group(), m, dist::ReduceOp::Mean);
    BOOST_TEST(m.item() == (size - 1) / 2.0);
    BOOST_TEST(dist::all_reduce(group(), double(rank), dist::ReduceOp::Max) == size - 1);
    const Tensor b({float(rank), float(rank)}, {2});
    dist::broadcast(group(), b, size - 1);
    BOOST_TEST(b.to_vector() == std::vector<double>(2, size - 1));
    BOOST_TEST(dist::broadcast(group(), "from " + std::to_string(rank), size - 1) == "from " + std::to_string(size - 1));
    BOOST_CHECK_THROW(dist::broadcast(group(), b, size), std::invalid_argument);
}

// A rank whose tensor differs fails at the broadcast on every rank, with both shapes named.
BOOST_AUTO_TEST_CASE(broadcast_of_different_shapes_fails_on_every_rank)
{
    if (group().world_size() == 1)
        return; // one rank cannot differ from itself
    const Tensor t = Tensor::zeros({2, group().rank() == 1 ? 5 : 3});
    try {
        dist::broadcast(group(), t, 0);
        BOOST_ERROR("no exception on rank " << group().rank());
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "dist::broadcast: rank 1's tensor is float32 [2, 5], root 0's is float32 [2, 3]");
    }
}

// A model that differs in shape on rank 1: every rank throws, naming the parameter and both shapes.
BOOST_AUTO_TEST_CASE(models_of_different_shapes_fail_on_every_rank)
{
    if (group().world_size() == 1)
        return;
    autograd::Generator gen(3);
    auto model = std::make_shared<nn::Sequential>(nn::Linear(group().rank() == 1 ? 7 : 6, 4, gen));
    try {
        dist::DistributedDataParallel ddp(model, group());
        BOOST_ERROR("no exception on rank " << group().rank());
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()) == "DistributedDataParallel: the ranks' models differ: rank 1's parameter "
                                            "'0.weight' is float32 [4, 7], rank 0's is float32 [4, 6]");
    }
}

BOOST_AUTO_TEST_CASE(loaders_must_agree_and_share_the_batch)
{
    const int size = group().world_size();
    if (size == 1)
        return;
    BOOST_CHECK_EXCEPTION(dist::distributed(group(), {.batch_size = size + 1}), std::invalid_argument,
                          [&](const std::invalid_argument& e) {
                              return std::string(e.what()).find(fmt::format("the batch size {} is not a multiple of the world size {}",
                                                                            size + 1, size)) != std::string::npos;
                          });
    try {
        dist::distributed(group(), {.batch_size = 2 * size, .seed = group().rank() == 1 ? 5u : 0u});
        BOOST_ERROR("no exception on rank " << group().rank());
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("rank 1 has batch_size " + std::to_string(2 * size) +
                                              ", shuffle false, drop_last false, seed 5, rank 0 has") != std::string::npos);
    }
}
