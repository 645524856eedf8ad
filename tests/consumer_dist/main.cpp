// Compiles against the installed dist component (its headers need no mpi.h; MPI is linked through
// the exported target) and runs as a world of one, started without mpirun: a model wrapped, one
// gradient averaged over the one rank, unchanged.
#include <dist/collectives.hpp>
#include <dist/data_parallel.hpp>
#include <dist/process_group.hpp>
#include <nn/modules/make_mlp.hpp>

#include <cstdio>

int main(int argc, char** argv)
{
    dist::ProcessGroup group(argc, argv);
    autograd::Generator gen(1);
    dist::DistributedDataParallel ddp(nn::make_mlp({2, 3, 1}, "relu", gen), group);
    ddp(autograd::Tensor::ones({4, 2})).sum().backward();
    const double before = ddp.parameters()[0].grad().sum().item();
    ddp.sync_gradients();
    const double after = ddp.parameters()[0].grad().sum().item();
    const bool ok = group.world_size() == 1 && group.rank() == 0 && before == after && ddp.num_parameters() == 13;
    std::printf("consumer_dist: rank %d of %d, gradient sum %.6f: %s\n", group.rank(), group.world_size(), after,
                ok ? "ok" : "WRONG");
    return ok ? 0 : 1;
}
