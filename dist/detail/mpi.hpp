// Inside dist's sources only (no public header includes it, so users need no mpi.h): the
// ProcessGroup's MPI state and the check that turns an MPI error code into an exception.
#pragma once

#include "dist/process_group.hpp"

#include <mpi.h>

#include <string_view>

namespace dist {

struct ProcessGroup::Impl {
    MPI_Comm comm = MPI_COMM_NULL; // a duplicate of MPI_COMM_WORLD with MPI_ERRORS_RETURN
};

namespace detail {

inline MPI_Comm comm(const ProcessGroup& group) { return group.impl().comm; }

/// MPI's datatype for the element types the reductions take (float32 and float64 gradients).
template <class T> MPI_Datatype mpi_type();
template <> inline MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <> inline MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

/// Throws std::runtime_error "dist: <op> failed on rank R of P: <MPI's error string>" unless
/// rc is MPI_SUCCESS.
void check(int rc, std::string_view op, const ProcessGroup& group);

} // namespace detail
} // namespace dist
