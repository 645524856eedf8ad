// Golden trajectories: the fixtures that tests/golden/golden_optim.py writes from PyTorch, one line per
// configuration and step, read for the tests that compare against them:
//
//   # comments and blank lines are skipped
//   <config> <step> <value 1> ... <value N>
//
//   auto golden = golden::read_trajectories(BACKPROP_FIXTURES "/optim_golden.txt", 3);
//   golden.at("sgd")[0]   // the 3 values after step 1 of config "sgd"
//
// Steps of a configuration must run 1, 2, 3, ... and every line must have exactly N values: a
// fixture cut short or regenerated with other columns fails the test that reads it, naming the line.
#pragma once

#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace golden {

using Trajectory = std::vector<std::vector<double>>; // per step, its values

/// Every configuration's trajectory, by name. Fails the current test (BOOST_REQUIRE) for a file
/// that cannot be opened or a malformed line.
inline std::map<std::string, Trajectory> read_trajectories(const std::string& path, std::size_t columns)
{
    std::ifstream in(path);
    BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
    std::map<std::string, Trajectory> out;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#')
            continue;
        std::istringstream fields(line);
        std::string name;
        std::size_t step = 0;
        std::vector<double> values(columns);
        fields >> name >> step;
        for (double& v : values)
            fields >> v;
        BOOST_REQUIRE_MESSAGE(fields, path << ":" << number << ": fewer than " << columns << " values: " << line);
        std::string extra;
        BOOST_REQUIRE_MESSAGE(!(fields >> extra), path << ":" << number << ": more than " << columns << " values: " << line);
        BOOST_REQUIRE_MESSAGE(step == out[name].size() + 1,
                              path << ":" << number << ": step " << step << " of " << name << ", expected "
                                   << out[name].size() + 1);
        out[name].push_back(std::move(values));
    }
    return out;
}

} // namespace golden
