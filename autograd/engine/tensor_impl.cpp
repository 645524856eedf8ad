// The out-of-line parts of the tensor records: a storage's buffer, and the freeing of a node's
// graph without recursion.
#include "autograd/engine/tensor_impl.hpp"

#include "autograd/cpu/buffer_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace autograd {

Storage::Storage(Dtype d, std::size_t n) : dtype(d), numel(n), data(nullptr), capacity(0)
{
    std::size_t bytes = 0;
    if (__builtin_mul_overflow(std::max<std::size_t>(n, 1), itemsize(d), &bytes) || bytes > (std::size_t{1} << 62))
        throw std::length_error(fmt::format("tensor: {} elements of {} are more than memory can address", n,
                                            to_string(d)));
    data = detail::allocate_buffer(bytes, capacity);
}

Storage::~Storage()
{
    if (!borrowed_)
        detail::free_buffer(data, capacity);
}

void Storage::move_to(void* memory, bool copy)
{
    if (copy)
        std::memcpy(memory, data, numel * itemsize(dtype));
    if (!borrowed_)
        detail::free_buffer(data, capacity);
    data = memory;
    capacity = 0;
    borrowed_ = true;
}

void Storage::move_to_own_buffer()
{
    if (!borrowed_)
        return;
    std::size_t room = 0;
    void* own = detail::allocate_buffer(std::max<std::size_t>(numel, 1) * itemsize(dtype), room);
    std::memcpy(own, data, numel * itemsize(dtype));
    data = own;
    capacity = room;
    borrowed_ = false;
}

namespace {

// What is being freed on this thread: nodes, and tensors that nodes saved (a saved tensor may be
// the last owner of its record, and so of the node that made it). The outermost ~TensorNode
// drains the lists; nodes freed meanwhile only add their parts to them, so the depth of the C++
// stack stays constant however long the graph.
struct Dying {
    std::vector<std::shared_ptr<TensorNode>> nodes;
    std::vector<Tensor> tensors;
    bool draining = false;
    bool empty() const { return nodes.empty() && tensors.empty(); }
    void take_parts_of(TensorNode& n)
    {
        for (std::size_t i = 0; i < n.inputs.size(); ++i)
            if (n.inputs[i].fn)
                nodes.push_back(std::move(n.inputs[i].fn));
        for (std::size_t i = 0; i < n.saved.size(); ++i)
            if (n.saved[i].defined())
                tensors.push_back(std::move(n.saved[i]));
    }
    void drain()
    {
        while (!empty()) {
            if (!tensors.empty()) {
                Tensor t = std::move(tensors.back());
                tensors.pop_back();
            } else {
                std::shared_ptr<TensorNode> n = std::move(nodes.back());
                nodes.pop_back();
            } // freeing it here may free a node, whose ~TensorNode adds its parts to the lists
        }
    }
    ~Dying() { gone = true; }
    static inline thread_local bool gone = false;
};
thread_local Dying tl_dying;

} // namespace

TensorNode::~TensorNode()
{
    if (Dying::gone) { // a graph freed after this thread's lists (at thread or program exit)
        Dying local;
        local.draining = true;
        local.take_parts_of(*this);
        local.drain();
        return;
    }
    Dying& dying = tl_dying;
    try {
        dying.take_parts_of(*this);
    } catch (...) { // no memory to queue them: they go the recursive way
        return;
    }
    if (dying.draining)
        return;
    dying.draining = true;
    dying.drain();
    dying.draining = false;
}

} // namespace autograd
