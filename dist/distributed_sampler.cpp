#include "dist/distributed_sampler.hpp"

#include "dist/collectives.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace dist {

nn::DataLoaderOptions distributed(const ProcessGroup& group, nn::DataLoaderOptions options)
{
    const std::string mine = fmt::format("batch_size {}, shuffle {}, drop_last {}, seed {}", options.batch_size,
                                         options.shuffle, options.drop_last, options.seed);
    const std::string rank0 = broadcast(group, mine, 0);
    // The highest differing rank (plus one; 0 when all agree), so that every rank throws alike.
    const double bad = all_reduce(group, mine == rank0 ? 0.0 : 1.0 + group.rank(), ReduceOp::Max);
    if (bad != 0.0) {
        const int rank = static_cast<int>(bad) - 1;
        const std::string theirs = broadcast(group, mine, rank);
        throw std::invalid_argument(fmt::format(
            "dist::distributed: the ranks' data loaders differ: rank {} has {}, rank 0 has {}", rank, theirs, rank0));
    }
    if (options.batch_size > 0 && options.batch_size % group.world_size() != 0)
        throw std::invalid_argument(fmt::format(
            "dist::distributed: the batch size {} is not a multiple of the world size {}: each of the {} "
            "processes must get an equal share of every batch",
            options.batch_size, group.world_size(), group.world_size()));
    options.num_replicas = group.world_size();
    options.rank = group.rank();
    return options;
}

} // namespace dist
