// W3 data-parallel (issue 14): the MNIST-10k MLP of bench_w2 trained by the ranks mpirun starts,
// each on its share of every global batch (dist::distributed), gradients averaged by
// dist::DistributedDataParallel, each step ddp.step(opt) as the README trains. Rank 0 prints the
// epoch time of the whole job (the best of --epochs, each timed between barriers), the time per
// step spent in ddp.step(opt) (the exchange and the optimizer step, plus any wait for a slower
// rank; with --all-reduce, in sync_gradients() alone), and the test accuracy, in bench_w2's format
// so that bench_w3_dist.sh reads both alike.
//
//   mpirun -np 2 bench_w3_dist --hidden 1024,1024 --batch 256 [--all-reduce] [--overlap] [--bucket-mib 4]
//
// Threads: none are set. Each rank's pool is the cores mpirun lets it run on (it binds each of two
// ranks to one core of two), as a user's job gets.
#include "mnist_bench.hpp"

#include <dist/data_parallel.hpp>
#include <dist/distributed_sampler.hpp>
#include <dist/process_group.hpp>

#include <nn/modules/make_mlp.hpp>
#include <nn/modules/sequential.hpp>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

} // namespace

int main(int argc, char** argv)
{
    dist::ProcessGroup group(argc, argv);
    try {
        CLI::App app{"W3 data-parallel: an MNIST MLP trained by the ranks of an mpirun job"};
        bench::MnistBench o;
        o.batch = 256;
        std::string hidden = "1024,1024";
        bool overlap = false, split = false, all_reduce = false;
        double bucket_mib = 4;
        bench::add_options(app, o);
        app.add_option("--hidden", hidden, "hidden layer sizes");
        app.add_flag("--overlap", overlap, "start each bucket's all-reduce from backward()'s gradient hooks");
        app.add_flag("--split-sync", split,
                     "a barrier before each sync_gradients(), timed apart: the wait for the slower rank, then the "
                     "all-reduce alone (the barrier adds a little to the epoch)");
        app.add_flag("--all-reduce", all_reduce,
                     "sync_gradients() then opt.step() on every rank (all-reduce), instead of ddp.step(opt)");
        app.add_option("--bucket-mib", bucket_mib, "bucket size in MiB")->check(CLI::Range(0.001, 1024.0));
        try {
            app.parse(argc, argv);
        } catch (const CLI::ParseError& e) {
            // Every rank parses alike, so every rank leaves here alike: no rank waits in a collective.
            return app.exit(e);
        }
        const std::vector<std::int64_t> sizes = nn::parse_sizes(fmt::format("784,{},10", hidden));
        autograd::Generator gen(o.seed);
        auto model = std::make_shared<nn::Sequential>(nn::make_mlp(sizes, "relu", gen));
        dist::DistributedDataParallel ddp(
            model, group, {.bucket_bytes = static_cast<std::int64_t>(bucket_mib * 1024 * 1024), .overlap = overlap});
        const nn::ByteImageDataset train = nn::load_mnist_bytes(o.data_dir, "train");
        const nn::ByteImageDataset test = nn::load_mnist_bytes(o.data_dir, "test");
        nn::SGD opt(ddp.parameters(), {.lr = 0.05, .momentum = 0.9});
        nn::DataLoader loader(train, dist::distributed(group, {.batch_size = o.batch, .shuffle = true, .seed = o.seed}));
        if (group.rank() == 0)
            fmt::print("matrix products: {}; {} ranks\n", autograd::describe_matmul_backend(), group.world_size());
        double best = 1e9, sync_at_best = 0, wait_at_best = 0;
        std::int64_t steps = 0;
        for (int e = 0; e < o.epochs; ++e) {
            group.barrier();
            const auto t0 = Clock::now();
            double sync = 0, wait = 0;
            steps = 0;
            for (const nn::Batch& b : loader) {
                opt.zero_grad();
                nn::cross_entropy(ddp(b.features), b.targets).backward();
                if (split) {
                    const auto w0 = Clock::now();
                    group.barrier();
                    wait += seconds_since(w0);
                }
                const auto s0 = Clock::now();
                if (all_reduce) {
                    ddp.sync_gradients();
                    sync += seconds_since(s0);
                    opt.step();
                } else {
                    ddp.step(opt);
                    sync += seconds_since(s0);
                }
                ++steps;
            }
            group.barrier();
            const double t = seconds_since(t0);
            if (t < best) {
                best = t;
                sync_at_best = sync;
                wait_at_best = wait;
            }
        }
        // Every rank holds the same weights: each measures the whole test set; rank 0 prints.
        const double accuracy = nn::accuracy(*model, test, o.batch);
        if (group.rank() == 0)
            fmt::print("backprop-dist mlp {} batch={} ranks={}{}: {:.4f} s/epoch (best of {}), {:.0f} samples/s, "
                       "sync {:.3f} ms/step ({:.0f}% of the epoch){}, test acc {:.4f}\n",
                       hidden, o.batch, group.world_size(), overlap ? " overlap" : "", best, o.epochs,
                       static_cast<double>(train.size()) / best, 1e3 * sync_at_best / static_cast<double>(steps),
                       100 * sync_at_best / best,
                       split ? fmt::format(" after waiting {:.3f} ms/step at a barrier",
                                           1e3 * wait_at_best / static_cast<double>(steps))
                             : std::string(),
                       accuracy);
        return 0;
    } catch (const std::exception& e) {
        group.abort(fmt::format("bench_w3_dist: {}", e.what()));
    }
}
