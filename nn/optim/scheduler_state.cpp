#include "nn/optim/scheduler_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nn::detail {

using autograd::Dtype;
using autograd::Tensor;

StateDict save_fields(const std::vector<SchedulerField>& fields)
{
    StateDict out;
    for (const SchedulerField& f : fields)
        out.insert(f.name, Tensor::scalar(f.value, Dtype::Float64));
    return out;
}

std::vector<double> load_fields(std::string_view scheduler, const std::vector<SchedulerField>& fields,
                                const StateDict& state)
{
    using Kind = SchedulerField::Kind;
    const auto fail = [&](const std::string& what) {
        throw std::invalid_argument(fmt::format("{}: load_state_dict: {}", scheduler, what));
    };
    const auto names = [&] {
        std::string out;
        for (const SchedulerField& f : fields)
            out += (out.empty() ? "" : ", ") + f.name;
        return out;
    };
    for (const auto& entry : state) {
        const bool known = std::any_of(fields.begin(), fields.end(), [&](const SchedulerField& f) { return f.name == entry.first; });
        if (!known)
            fail(fmt::format("unexpected entry '{}' (a {} keeps: {})", entry.first, scheduler, names()));
    }
    std::vector<double> values;
    values.reserve(fields.size());
    for (const SchedulerField& f : fields) {
        const Tensor* t = state.find(f.name);
        if (t == nullptr)
            fail(fmt::format("no entry named '{}' (a {} keeps: {})", f.name, scheduler, names()));
        if (t->dtype() != Dtype::Float64)
            fail(fmt::format("'{}' is {}, expected float64", f.name, to_string(t->dtype())));
        if (t->dim() != 0)
            fail(fmt::format("'{}' has shape {}, expected [] (a number)", f.name, to_string(t->shape())));
        const double v = t->item();
        switch (f.kind) {
        case Kind::Count:
            if (!is_count(v))
                fail(fmt::format("'{}' must be a count (a whole number >= 0), got {}", f.name, v));
            break;
        case Kind::Real:
            if (std::isnan(v))
                fail(fmt::format("'{}' is NaN", f.name));
            break;
        case Kind::Setting:
            // Exact: the saved value went through float64 unchanged.
            if (!(v == f.value))
                fail(fmt::format("'{}' is {} in the state but {} in this scheduler{}{}", f.name, v, f.value,
                                 f.meaning.empty() ? "" : "; ", f.meaning));
            break;
        }
        values.push_back(v);
    }
    return values;
}

} // namespace nn::detail
