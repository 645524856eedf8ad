#include "dist/collectives.hpp"

#include "dist/detail/mpi.hpp"

#include <autograd/dtype.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace dist {

std::string_view to_string(ReduceOp op)
{
    switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Min: return "min";
    case ReduceOp::Max: return "max";
    }
    return "unknown";
}

namespace {

MPI_Op mpi_op(ReduceOp op)
{
    switch (op) {
    case ReduceOp::Min: return MPI_MIN;
    case ReduceOp::Max: return MPI_MAX;
    case ReduceOp::Sum:
    case ReduceOp::Mean: break;
    }
    return MPI_SUM; // the mean is the sum divided afterwards
}

// MPI counts are ints: a longer buffer goes in pieces of at most INT_MAX elements.
template <class T> void all_reduce_span(const ProcessGroup& group, std::span<T> values, ReduceOp op)
{
    const auto op_name = fmt::format("all_reduce ({}, {} {} values)", to_string(op), values.size(),
                                     autograd::to_string(autograd::dtype_of<T>));
    for (std::size_t first = 0; first < values.size(); first += INT_MAX) {
        const auto count = static_cast<int>(std::min<std::size_t>(values.size() - first, INT_MAX));
        detail::check(MPI_Allreduce(MPI_IN_PLACE, values.data() + first, count, detail::mpi_type<T>(), mpi_op(op),
                                    detail::comm(group)),
                      op_name, group);
    }
    if (op == ReduceOp::Mean) {
        const T n = static_cast<T>(group.world_size());
        for (T& v : values)
            v /= n;
    }
}

void check_root(const ProcessGroup& group, int root, std::string_view op)
{
    if (root < 0 || root >= group.world_size())
        throw std::invalid_argument(
            fmt::format("dist::{}: root {} is not a rank of this world of {}", op, root, group.world_size()));
}

} // namespace

void all_reduce(const ProcessGroup& group, std::span<float> values, ReduceOp op) { all_reduce_span(group, values, op); }
void all_reduce(const ProcessGroup& group, std::span<double> values, ReduceOp op) { all_reduce_span(group, values, op); }

double all_reduce(const ProcessGroup& group, double value, ReduceOp op)
{
    all_reduce_span(group, std::span<double>(&value, 1), op);
    return value;
}

void all_reduce(const ProcessGroup& group, const autograd::Tensor& tensor, ReduceOp op)
{
    if (!tensor.defined())
        throw std::invalid_argument("dist::all_reduce: the tensor is undefined");
    if (!autograd::is_floating_point(tensor.dtype()))
        throw std::invalid_argument(fmt::format("dist::all_reduce: a {} tensor; only float32 and float64 are reduced",
                                                autograd::to_string(tensor.dtype())));
    autograd::dispatch(tensor.dtype(), [&]<class T>() {
        all_reduce_span(group, std::span<T>(tensor.data_ptr<T>(), static_cast<std::size_t>(tensor.numel())), op);
    });
}

void broadcast(const ProcessGroup& group, const autograd::Tensor& tensor, int root)
{
    check_root(group, root, "broadcast");
    if (!tensor.defined())
        throw std::invalid_argument("dist::broadcast: the tensor is undefined");
    // Root's dtype and shape first, so that a rank whose tensor differs fails with both shapes
    // named instead of MPI truncating a message or waiting for bytes that never come.
    const std::string mine = fmt::format("{} [{}]", autograd::to_string(tensor.dtype()), fmt::join(tensor.shape(), ", "));
    const std::string roots = broadcast(group, mine, root);
    const double mismatch = all_reduce(group, mine == roots ? 0.0 : 1.0 + group.rank(), ReduceOp::Max);
    if (mismatch != 0.0) {
        const int bad = static_cast<int>(mismatch) - 1; // the highest rank that differs
        const std::string theirs = broadcast(group, mine, bad);
        throw std::invalid_argument(fmt::format("dist::broadcast: rank {}'s tensor is {}, root {}'s is {}", bad,
                                                theirs, root, roots));
    }
    // As bytes: a broadcast copies, so every dtype is the same to it (int64 buffers such as
    // BatchNorm's num_batches_tracked, bool masks, floats).
    std::byte* data = nullptr;
    autograd::dispatch_any(tensor.dtype(), [&]<class T>() { data = reinterpret_cast<std::byte*>(tensor.data_ptr<T>()); });
    const auto bytes = static_cast<std::int64_t>(tensor.numel() * static_cast<std::int64_t>(autograd::itemsize(tensor.dtype())));
    for (std::int64_t first = 0; first < bytes; first += INT_MAX) {
        const auto count = static_cast<int>(std::min<std::int64_t>(bytes - first, INT_MAX));
        detail::check(MPI_Bcast(data + first, count, MPI_BYTE, root, detail::comm(group)),
                      fmt::format("broadcast ({} from rank {})", mine, root), group);
    }
}

std::string broadcast(const ProcessGroup& group, std::string text, int root)
{
    check_root(group, root, "broadcast");
    std::uint64_t size = text.size();
    detail::check(MPI_Bcast(&size, 1, MPI_UINT64_T, root, detail::comm(group)), "broadcast (a string's length)", group);
    text.resize(size);
    for (std::uint64_t first = 0; first < size; first += INT_MAX) {
        const auto count = static_cast<int>(std::min<std::uint64_t>(size - first, INT_MAX));
        detail::check(MPI_Bcast(text.data() + first, count, MPI_CHAR, root, detail::comm(group)),
                      "broadcast (a string)", group);
    }
    return text;
}

} // namespace dist
