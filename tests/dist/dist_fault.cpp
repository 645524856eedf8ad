// A data-parallel job in which rank 1 fails mid-run, for tests/dist/run_fault.cmake: the job must
// end, with a non-zero status and a message naming the rank and the error, not hang with the
// other ranks waiting in their next all-reduce.
//   dist_fault throw   rank 1 throws at step 3 and nothing catches it (the terminate handler)
//   dist_fault scope   rank 1 throws at step 3 out of the ProcessGroup's scope, caught outside it
//   dist_fault abort   rank 1 catches its error and calls ProcessGroup::abort
//   dist_fault kill    rank 1 is killed (SIGKILL) at step 3: no handler of ours runs
//   dist_fault alike   every rank throws the same error at step 3 (printed once, by rank 0)
//   dist_fault shared  as scope, training a model whose weights the ranks share (ddp.step(opt)),
//                      whose windows must not be freed while unwinding (the others never come)
// Every rank trains on all-reduces of a tensor until step 1000, which a healthy job reaches in
// well under a second: the faults come long before.
#include <dist/collectives.hpp>
#include <dist/data_parallel.hpp>
#include <dist/process_group.hpp>

#include <nn/modules/linear.hpp>
#include <nn/optim/sgd.hpp>

#include <autograd/tensor.hpp>

#include <csignal>
#include <cstdio>
#include <stdexcept>
#include <string_view>

namespace {

void steps(const dist::ProcessGroup& group, std::string_view mode)
{
    const autograd::Tensor g = autograd::Tensor::ones({256});
    for (int step = 0; step < 1000; ++step) {
        if ((group.rank() == 1 || mode == "alike") && step == 3) {
            if (mode == "kill")
                std::raise(SIGKILL);
            throw std::runtime_error("injected fault at step 3");
        }
        dist::all_reduce(group, g, dist::ReduceOp::Mean);
    }
}

// Training steps of a small model through ddp.step(opt): on one machine, shared weights.
void shared_steps(const dist::ProcessGroup& group)
{
    autograd::Generator gen(1);
    dist::DistributedDataParallel ddp(nn::Linear(4, 2, gen), group);
    nn::SGD opt(ddp.parameters(), {.lr = 0.01});
    for (int step = 0; step < 1000; ++step) {
        if (group.rank() == 1 && step == 3)
            throw std::runtime_error("injected fault at step 3");
        opt.zero_grad();
        ddp(autograd::Tensor::ones({2, 4})).sum().backward();
        ddp.step(opt);
    }
}

} // namespace

int main(int argc, char** argv)
{
    const std::string_view mode = argc > 1 ? argv[1] : "";
    if (mode != "throw" && mode != "scope" && mode != "abort" && mode != "kill" && mode != "alike" && mode != "shared") {
        std::fprintf(stderr, "dist_fault: mode must be throw, scope, abort, kill, alike or shared (got '%s')\n",
                     argc > 1 ? argv[1] : "");
        return 2;
    }
    if (mode == "scope" || mode == "shared") {
        try {
            dist::ProcessGroup group(argc, argv);
            if (mode == "shared")
                shared_steps(group);
            else
                steps(group, mode);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "dist_fault: caught after the group's scope (must not be reached): %s\n", e.what());
        }
        return 0;
    }
    dist::ProcessGroup group(argc, argv);
    if (mode == "abort") {
        try {
            steps(group, mode);
        } catch (const std::exception& e) {
            group.abort(e.what());
        }
        return 0;
    }
    steps(group, mode); // throw, kill, alike: nothing catches
    std::puts("dist_fault: all steps done (rank 1 should have failed)");
    return 0;
}
