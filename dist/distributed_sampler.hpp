// The DataLoader's options for one rank of a data-parallel job, as torch's DistributedSampler:
// every rank draws the same seeded order each epoch and takes its own block of every global
// batch (nn/data/data_loader.hpp, "Shards", says which rows and why).
//
//   dist::ProcessGroup group(argc, argv);
//   nn::DataLoader loader(train, dist::distributed(group, {.batch_size = 64, .shuffle = true, .seed = 1}));
//   // 2 ranks: 32 rows a step each, together the 64 rows one process with batch 64 would see
//
// batch_size is the global batch B; each rank's batches hold B / world_size rows. The sampler is
// nn::DataLoader's own (its num_replicas and rank options), so a loader needs no MPI; this
// function only fills them from the group and checks that the ranks agree.
#pragma once

#include "dist/process_group.hpp"

#include <nn/data/data_loader.hpp>

namespace dist {

/// `options` with num_replicas = world size and rank = this rank. Collective (every rank calls it):
/// checks that every rank passes the same batch size, shuffle, drop_last and seed (ranks that
/// drew different orders would train on overlapping samples), else std::invalid_argument on
/// every rank naming both settings; and that the world size divides the batch size (0, the whole
/// data set, is checked by the DataLoader, which knows its size), else std::invalid_argument
/// naming both.
nn::DataLoaderOptions distributed(const ProcessGroup& group, nn::DataLoaderOptions options);

} // namespace dist
