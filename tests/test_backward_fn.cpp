// TensorBackward (engine/backward_fn.hpp), the callable each graph node keeps: closures that fit
// its buffer and closures that do not are called with their state, moved, and released exactly
// once (the captured shared_ptr's use count says when).
#define BOOST_TEST_MODULE backward_fn
#include <boost/test/unit_test.hpp>

#include <autograd/engine/tensor_impl.hpp>

#include <array>
#include <memory>
#include <utility>

using autograd::Tensor;
using autograd::TensorBackward;
using autograd::TensorList;
using autograd::TensorNode;

namespace {

// A formula returning k * g, k read from the captured state.
auto scaled(std::shared_ptr<double> k)
{
    return [k](const Tensor& g, const TensorNode&) { return TensorList{g * *k}; };
}

// The same, with 64 bytes more of captures: more than the inline buffer holds.
auto scaled_large(std::shared_ptr<double> k)
{
    std::array<double, 8> pad{};
    return [k, pad](const Tensor& g, const TensorNode&) { return TensorList{g * (*k + pad[7])}; };
}

template <class Make> void check_lifetime(Make make)
{
    auto k = std::make_shared<double>(3.0);
    const TensorNode node;
    const Tensor g({2.f}, {1});
    {
        TensorBackward f = make(k);
        BOOST_TEST(static_cast<bool>(f));
        BOOST_TEST(k.use_count() == 2); // ours and the closure's
        BOOST_TEST(f(g, node)[0].item() == 6.0); // 3 * 2
        TensorBackward moved = std::move(f);
        BOOST_TEST(!static_cast<bool>(f));
        BOOST_TEST(k.use_count() == 2); // moved, not copied
        BOOST_TEST(moved(g, node)[0].item() == 6.0);
        auto other = std::make_shared<double>(5.0);
        TensorBackward assigned = make(other);
        assigned = std::move(moved); // releases the closure holding `other`
        BOOST_TEST(other.use_count() == 1);
        BOOST_TEST(k.use_count() == 2);
        BOOST_TEST(assigned(g, node)[0].item() == 6.0);
    }
    BOOST_TEST(k.use_count() == 1); // released when the last holder went
}

} // namespace

BOOST_AUTO_TEST_CASE(a_closure_that_fits_is_called_moved_and_released)
{
    static_assert(sizeof(decltype(scaled(nullptr))) <= TensorBackward::kInline);
    check_lifetime([](std::shared_ptr<double> k) { return scaled(std::move(k)); });
}

BOOST_AUTO_TEST_CASE(a_closure_too_large_for_the_buffer_is_called_moved_and_released)
{
    static_assert(sizeof(decltype(scaled_large(nullptr))) > TensorBackward::kInline);
    check_lifetime([](std::shared_ptr<double> k) { return scaled_large(std::move(k)); });
}
