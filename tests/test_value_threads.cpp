// Scalar graphs and threads. Each thread allocates nodes from its own arena and backward() walks
// that arena in creation order; these tests cover the other cases, which must stay correct:
// a graph handed to another thread, a graph whose interior nodes come from two threads (the
// general topological-sort path), nodes freed by a thread that did not create them, threads that
// exit while their nodes live on, and threads building graphs at the same time.
// Expected gradients are derived by hand in each test.
#define BOOST_TEST_MODULE value_threads
#include <boost/test/unit_test.hpp>

#include <autograd/value.hpp>

#include <thread>
#include <vector>

using autograd::Value;

namespace {

// y = sum_k (x * c_k)^2 over a chain; dy/dx = 2 x sum_k c_k^2.
Value chain(const Value& x, int length)
{
    Value y = Value::constant(0.0);
    for (int k = 1; k <= length; ++k)
        y = y + pow(x * (k * 0.001), 2.0);
    return y;
}

// Bytes the node arenas grow by over 300 calls of `round`, after 20 to warm up.
template <class F> std::size_t pool_growth(F&& round)
{
    for (int i = 0; i < 20; ++i)
        round();
    const std::size_t before = autograd::detail::node_pool_bytes();
    for (int i = 0; i < 300; ++i)
        round();
    return autograd::detail::node_pool_bytes() - before;
}

double chain_grad(double x, int length)
{
    double s = 0.0;
    for (int k = 1; k <= length; ++k)
        s += (k * 0.001) * (k * 0.001);
    return 2.0 * x * s;
}

} // namespace

BOOST_AUTO_TEST_CASE(graph_built_on_another_thread_backward_here)
{
    const Value x = 1.5;
    Value y;
    std::thread([&] { y = chain(x, 5000); }).join(); // the thread exits; its nodes live on
    y.backward();
    BOOST_TEST(x.grad() == chain_grad(1.5, 5000), boost::test_tools::tolerance(1e-12));
    y = Value(); // freed here, by a thread that did not create the nodes
}

BOOST_AUTO_TEST_CASE(graph_mixing_two_threads)
{
    // u = x*x on a worker; y = u*3 + x*u here.  dy/dx = 6x + 3x^2 (u = x^2: d(x*u)/dx = u + x*2x).
    const Value x = 2.0;
    Value u;
    std::thread([&] { u = x * x; }).join();
    const Value y = u * 3.0 + x * u;
    y.backward();
    BOOST_TEST(y.data() == 3.0 * 4.0 + 8.0);
    BOOST_TEST(x.grad() == 6.0 * 2.0 + 3.0 * 4.0);
    BOOST_TEST(u.grad() == 3.0 + 2.0); // the interior node's gradient of this backward
}

BOOST_AUTO_TEST_CASE(backward_twice_on_a_mixed_graph_accumulates_leaves_only)
{
    const Value x = 3.0;
    Value u;
    std::thread([&] { u = x.tanh(); }).join();
    const Value y = u * u;
    y.backward();
    const double once = x.grad();
    y.backward();
    BOOST_TEST(x.grad() == 2.0 * once);
    BOOST_TEST(u.grad() == 2.0 * u.data()); // not doubled: interior grads hold the latest pass
}

BOOST_AUTO_TEST_CASE(threads_building_graphs_at_the_same_time)
{
    constexpr int kThreads = 4;
    std::vector<double> grads(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([t, &grads] {
            for (int round = 0; round < 5; ++round) {
                const Value x = 1.0 + t;
                chain(x, 20000).backward();
                grads[t] = x.grad();
            }
        });
    for (std::thread& th : threads)
        th.join();
    for (int t = 0; t < kThreads; ++t)
        BOOST_TEST(grads[t] == chain_grad(1.0 + t, 20000), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(memory_is_reused_across_training_steps)
{
    // Build and drop the same graph many times: after the first rounds the arena stops growing.
    const Value x = 0.5;
    for (int i = 0; i < 3; ++i)
        chain(x, 50000).backward();
    const std::size_t before = autograd::detail::node_pool_bytes();
    for (int i = 0; i < 20; ++i)
        chain(x, 50000).backward();
    BOOST_TEST(autograd::detail::node_pool_bytes() == before);
}

BOOST_AUTO_TEST_CASE(chunks_of_exited_threads_are_reused)
{
    // Each thread leaves a live node behind (in a chunk of its own arena) and exits; the node is
    // freed here later. Its chunk must go back to the pool, so memory stays flat.
    const Value x = 1.0;
    const auto round = [&] {
        Value v;
        std::thread([&] { v = x * 2.0; }).join();
        BOOST_TEST(v.data() == 2.0);
    }; // v freed here, after its thread has gone
    // 300 lost chunks would be 300 x 64 KiB; a reused pool stays within one 2 MiB slab.
    BOOST_TEST(pool_growth(round) <= std::size_t{2} << 20);
}

BOOST_AUTO_TEST_CASE(thread_local_values_destroyed_after_the_arena)
{
    // A thread_local first used before the thread's first node is destroyed after the thread's
    // arena hook: its nodes are then freed as foreign ones, and their chunks still come back.
    const auto round = [] {
        std::thread([] {
            thread_local std::vector<Value> keep;
            keep.push_back(Value(1.0) * 3.0);
        }).join();
    };
    BOOST_TEST(pool_growth(round) <= std::size_t{2} << 20);
}

BOOST_AUTO_TEST_CASE(labels_are_set_on_the_creating_thread)
{
    Value v;
    std::thread([&] { v = Value(1.0) * 2.0; }).join();
    BOOST_CHECK_THROW(v.set_label("y"), std::logic_error);
    const Value here = v * 1.0;
    BOOST_CHECK_NO_THROW(here.set_label("z"));
    BOOST_TEST(here.label() == "z");
}
