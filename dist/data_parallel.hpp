// DistributedDataParallel: one model trained by several processes, each on its share of every
// batch, as torch.nn.parallel.DistributedDataParallel.
//
//   dist::ProcessGroup group(argc, argv);
//   auto model = std::make_shared<nn::Sequential>(nn::make_mlp({784, 128, 10}, "relu", gen));
//   dist::DistributedDataParallel ddp(model, group);       // rank 0's weights on every rank
//   nn::SGD opt(ddp.parameters(), {.lr = 0.05, .momentum = 0.9});
//   nn::DataLoader loader(train, dist::distributed(group, {.batch_size = 64, .shuffle = true}));
//   for (const nn::Batch& b : loader) {
//       opt.zero_grad();
//       nn::cross_entropy(ddp(b.features), b.targets).backward();
//       ddp.step(opt);                                      // the step of the mean gradient
//   }
//
// step(opt) is sync_gradients() (every rank: the mean gradient) then opt.step() (the same step on
// every rank), done another way when the ranks share a machine (see step()).
//
// At construction every rank checks that its parameters and buffers have rank 0's names, dtypes
// and shapes in rank 0's order (a mismatch is std::invalid_argument on every rank, naming the
// tensor and both shapes), then takes rank 0's values. sync_gradients() replaces each
// parameter's gradient by its mean over the ranks. With every rank's loss a mean over its
// B/P rows, that mean is the gradient of the mean loss over the B rows of the global batch, so
// P ranks train as one process with batch B (to rounding: MPI adds in its own order) and their
// weights stay equal to each other.
//
// The gradients travel in buckets: parameters in reverse order (the order backward produces
// their gradients), grouped by dtype up to bucket_bytes each and flattened into one buffer, one
// all-reduce per bucket: a few large messages instead of one per tensor (each message pays MPI's
// latency), without a copy of the whole model's gradients at once. Each gradient is divided by
// the world size as it is copied (PyTorch's DDP does the same), so the sum the all-reduce makes is
// the mean. A parameter of more than half a bucket travels alone, and without overlap its
// gradient is divided and all-reduced where it is, with no copy (when nothing else holds it: no
// handle or view of it, no create_graph; otherwise it goes through a buffer that becomes its
// gradient). W3's two large weights are 98% of its gradient. Without overlap each bucket is one
// blocking MPI_Allreduce: Open MPI's non-blocking collectives take other, slower algorithms
// (W3's 7.45 MB between two ranks here: 4.1 ms a step against 1.5). With {.overlap = true} a
// bucket leaves as soon as backward() has produced its last gradient (gradient hooks and
// MPI_Iallreduce), while backward computes the layers below it; sync_gradients() waits for them.
//
// The wrapper is a Module whose one child is the model, under "module" (as in torch, its
// state_dict names are "module.0.weight", ...); save ddp.module().state_dict() for names a
// single-process model loads.
#pragma once

#include "dist/process_group.hpp"

#include <autograd/dtype.hpp>
#include <autograd/tensor.hpp>
#include <nn/io/state_dict.hpp>
#include <nn/modules/module.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nn {
class Optimizer;
}

namespace dist {

namespace detail {
class SharedParameters;
}

struct DataParallelOptions {
    // NOTE: 4 MiB, where torch's default is 25 MiB. torch sizes its buckets for models of hundreds
    // of MB (ResNet-50's 100 MB in four buckets); this library's models are a few MB (W3's
    // 784-1024-1024-10 is 7.3 MB in float32, W2's 0.4 MB), which a 25 MiB bucket would carry in
    // one message, leaving no bucket to send while backward computes the next (the overlap this
    // layout prepares). At 4 MiB a message is already far past the size where MPI reaches the
    // link's bandwidth, so larger buckets would save only a few latencies per step.
    std::int64_t bucket_bytes = std::int64_t{4} << 20;
    // Start each bucket's all-reduce (MPI_Iallreduce) from a gradient hook as soon as its last
    // gradient arrives in backward(), so that sending overlaps the rest of the backward pass;
    // sync_gradients() then waits for them. Off by default, as measured: on this project's 2-core
    // machine W3 with two ranks was slower with it in each of three runs (0.327 s an epoch
    // against 0.289 in the first; bench/bench_w3_dist.sh, docs/distributed.md): both cores are
    // busy with the backward pass, so the sending cannot run beside it, and Open MPI's
    // non-blocking all-reduce takes slower algorithms than the blocking one. It may pay where ranks have cores to spare or a network card does the moving.
    // With it, a parameter's gradient must come from backward() (autograd::grad() would fire the
    // hooks too); gradients accumulated over several backward() calls before one
    // sync_gradients() are right, but their early all-reduces are redone.
    bool overlap = false;
    // step(opt) keeps the parameters in memory the ranks share, when they are all on one
    // machine: one copy between them, each rank updating its share (see step()). Off: step(opt)
    // is sync_gradients() and opt.step() on every rank, as on several machines.
    bool share_parameters = true;
};

class DistributedDataParallel : public nn::Module {
public:
    /// Checks the model against rank 0's and broadcasts rank 0's parameters and buffers (every
    /// rank must construct its wrapper at the same point). The group must outlive the wrapper.
    /// Throws std::invalid_argument for a null module, bucket_bytes < 1, or a model that differs
    /// from rank 0's (on every rank alike, so that none is left waiting).
    DistributedDataParallel(std::shared_ptr<nn::Module> module, const ProcessGroup& group,
                            DataParallelOptions options = {});
    /// With overlap, waits for all-reduces still in flight (every rank must destroy its wrapper
    /// at the same point) and leaves the model's hooks inert.
    ~DistributedDataParallel() override;
    /// Takes a module object (moved in): DistributedDataParallel ddp(nn::make_mlp(...), group).
    template <std::derived_from<nn::Module> M>
    DistributedDataParallel(M module, const ProcessGroup& group, DataParallelOptions options = {})
        : DistributedDataParallel(std::make_shared<M>(std::move(module)), group, options)
    {
    }

    autograd::Tensor forward(const autograd::Tensor& input) override { return module_->forward(input); }
    std::string type_name() const override { return "DistributedDataParallel"; }
    std::string extra_repr() const override;

    /// Replaces every parameter's gradient by its mean over the ranks (collective: every rank
    /// calls it after its backward()). A parameter without a gradient on a rank counts as zeros
    /// there; one without a gradient on every rank keeps none (the optimizer skips it, as it
    /// would in one process). At world size 1 it returns at once (a gradient is its own mean).
    /// Throws std::runtime_error on an MPI error.
    void sync_gradients();

    /// One training step from the gradients backward() left, the way to train (collective: every
    /// rank calls it where one process calls opt.step()):
    ///
    ///   opt.zero_grad();  loss.backward();  ddp.step(opt);
    ///
    /// It leaves every rank's parameters as sync_gradients() then opt.step() would, the same on
    /// every rank. When the ranks share a machine (and share_parameters is on, overlap off), the
    /// first call moves the parameters into memory the ranks share (an MPI shared-memory window:
    /// one copy of the model between them, rank 0's values), and every call then has each
    /// parameter updated by one rank: its owner (a partition by size, ZeRO stage 1's) sums the
    /// ranks' gradients of it straight from their memory and steps it, and the others see the
    /// result in place. No all-reduce, one optimizer step's work over the ranks instead of one a
    /// rank, and one copy of the weights in the caches the cores share (W3 on two ranks:
    /// docs/distributed.md). Elsewhere it is sync_gradients() then opt.step().
    ///
    /// opt must be an optimizer over parameters() in their order, the same one at every call;
    /// with shared parameters it updates this rank's share only (Optimizer::set_partition), so
    /// its state of the others is stale: checkpoint it through optimizer_state_dict(). After the
    /// call a parameter's grad() is the mean over the ranks on its owner and this rank's own
    /// elsewhere, so whatever must see the mean gradients before the step (clipping them by
    /// their norm, statistics) takes the other way: sync_gradients(), then it, then opt.step(),
    /// with share_parameters off. Once the parameters are shared, sync_gradients() throws
    /// std::logic_error (each rank stepping every parameter would update the one copy once a
    /// rank), and writing the parameters (loading weights) must happen on every rank alike or on
    /// one between two steps.
    /// Throws std::invalid_argument for an optimizer over other parameters or another optimizer
    /// than the first call's, std::runtime_error on an MPI error.
    void step(nn::Optimizer& opt);
    /// opt.state_dict() as one process training alone would have it, on every rank (collective):
    /// with shared parameters, each parameter's state comes from the rank that updates it. What a
    /// checkpoint saves; opt.load_state_dict() of it resumes on any number of ranks.
    nn::StateDict optimizer_state_dict(nn::Optimizer& opt);
    /// Whether step() has moved the parameters into memory the ranks share.
    bool shares_parameters() const { return shared_ != nullptr; }

    /// The wrapped model.
    nn::Module& module() const { return *module_; }
    const ProcessGroup& group() const { return *group_; }
    /// The buckets: for each, its parameters' names in the model ("4.bias"), in reverse order.
    std::vector<std::vector<std::string>> bucket_names() const;

private:
    struct Bucket {
        autograd::Dtype dtype;
        std::vector<std::size_t> params;    // indices into params_
        std::vector<std::int64_t> offsets;  // of each in the flat buffer
        std::int64_t numel = 0;
        // The flat buffer, [numel] of the bucket's dtype, made when a pass first writes it. A
        // bucket of one parameter hands it over as that parameter's new gradient (no copy out),
        // so the next pass makes another; a bucket of several copies out and keeps it.
        autograd::Tensor flat;
    };
    struct Slot {
        std::size_t bucket;
        std::size_t index; // in the bucket's params
    };
    struct Pass; // the all-reduces in flight and what the hooks saw (MPI state: in the .cpp)

    autograd::Tensor& buffer(std::size_t bucket);
    void fill(std::size_t bucket, std::size_t index);
    bool reduce_in_place(std::size_t bucket);
    void reduce(std::size_t bucket);
    void launch(std::size_t bucket);
    void on_gradient(std::size_t param, const autograd::Tensor& grad);

    std::shared_ptr<nn::Module> module_;
    const ProcessGroup* group_;
    DataParallelOptions options_;
    std::vector<std::pair<std::string, autograd::Tensor>> params_;
    std::vector<Slot> slots_; // by parameter
    std::vector<Bucket> buckets_;
    std::shared_ptr<Pass> pass_;
    // step(): whether its first call has looked for shared memory, what it found, and the
    // optimizer it was given (the only one it takes then).
    bool sharing_tried_ = false;
    std::unique_ptr<detail::SharedParameters> shared_;
    const nn::Optimizer* stepped_ = nullptr;

    void check_optimizer(const nn::Optimizer& opt, std::string_view caller) const;
    void shared_step(nn::Optimizer& opt);
};

} // namespace dist
