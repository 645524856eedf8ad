// What the learning-rate schedulers' state_dict() and load_state_dict() share: a scheduler
// describes its state as a list of named numbers, each saved as a 0-d float64 tensor (the
// optimizers' convention, so one safetensors checkpoint holds both), and loading checks the list
// against a dict before the scheduler changes anything.
//
//   std::vector<SchedulerField> fields() const {
//       return {{"last_epoch", Kind::Count, epoch}, {"gamma", Kind::Setting, gamma}};
//   }
//   StateDict state_dict() const { return detail::save_fields(fields()); }
//   void load_state_dict(const StateDict& s) {
//       const std::vector<double> v = detail::load_fields("StepLR", fields(), s);  // fields' order
//       ...
//   }
//
// NOTE: settings (gamma, T_max, patience, ...) are saved but, unlike PyTorch, not restored: a
// state saved under other settings is an error naming both values, since continuing a schedule
// with silently swapped settings is rarely what a resumed run means.
#pragma once

#include "nn/io/state_dict.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace nn {

struct SchedulerField {
    enum class Kind {
        Count,   // a whole number >= 0 (epochs, counters)
        Real,    // any number but NaN (lrs, the best metric, which may be +-inf)
        Setting, // an option the scheduler was made with: must equal the saved one
    };
    std::string name;
    Kind kind;
    double value; // the scheduler's current value
    std::string_view meaning = {}; // for a Setting coded as a number: "0 = min, 1 = max"
};

namespace detail {

/// One 0-d float64 tensor per field, in order.
StateDict save_fields(const std::vector<SchedulerField>& fields);

/// The saved values of `fields`, in their order, after checking that `state` has exactly these
/// names, each a 0-d float64 tensor of the field's kind, with every Setting equal to the
/// scheduler's. Throws std::invalid_argument "<scheduler>: load_state_dict: ..." naming the entry
/// and the values.
std::vector<double> load_fields(std::string_view scheduler, const std::vector<SchedulerField>& fields,
                                const StateDict& state);

} // namespace detail
} // namespace nn
