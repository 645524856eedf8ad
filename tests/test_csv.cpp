// Reading labelled CSV data (nn/data/csv.hpp) and what training does with it (nn/data/labelled_data.hpp).
//
// Where the expected numbers come from:
// - data/iris.csv is the UCI Iris set as scikit-learn ships it: 150 flowers, 4 features, 50 of
//   each class setosa/versicolor/virginica; its first row is 5.1,3.5,1.4,0.2 (setosa) and its
//   column means are the published 5.8433, 3.0573, 3.758, 1.1993 (scikit-learn's iris docs, UCI).
// - read_csv cases are small texts written here; each expected value or error is stated beside it.
//   Line numbers count every line of the text from 1, blank lines included.
// - standardize: the property it promises (mean 0, population std 1 per column; constant columns 0).
#define BOOST_TEST_MODULE csv
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/data/csv.hpp>
#include <nn/data/labelled_data.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tt = boost::test_tools;

using test_util::contains;
using test_util::message_of;

namespace {

nn::LabelledData parse(const std::string& text, const nn::CsvOptions& options = {})
{
    std::istringstream in(text);
    return nn::read_csv(in, "mem.csv", options);
}

// The message of the std::runtime_error that parsing `text` throws.
std::string parse_error(const std::string& text, const nn::CsvOptions& options = {})
{
    return message_of<std::runtime_error>([&] { (void)parse(text, options); });
}

nn::LabelledData iris() { return nn::load_csv(std::filesystem::path(BACKPROP_DATA) / "iris.csv"); }

double column_mean(const nn::LabelledData& d, std::size_t j)
{
    double s = 0.0;
    for (const auto& row : d.features)
        s += row[j];
    return s / static_cast<double>(d.size());
}

double column_std(const nn::LabelledData& d, std::size_t j)
{
    const double m = column_mean(d, j);
    double s = 0.0;
    for (const auto& row : d.features)
        s += (row[j] - m) * (row[j] - m);
    return std::sqrt(s / static_cast<double>(d.size()));
}

} // namespace

BOOST_AUTO_TEST_CASE(iris_loads)
{
    const nn::LabelledData d = iris();
    BOOST_TEST(d.size() == 150u);
    BOOST_TEST(d.num_features() == 4u);
    BOOST_TEST(d.num_classes() == 3u);
    BOOST_TEST(d.class_names == (std::vector<std::string>{"setosa", "versicolor", "virginica"}), tt::per_element());
    BOOST_REQUIRE_EQUAL(d.labels.size(), 150u);
    for (const auto& row : d.features)
        BOOST_TEST(row.size() == 4u);
    std::size_t per_class[3] = {0, 0, 0};
    for (std::size_t label : d.labels) {
        BOOST_REQUIRE(label < 3u);
        ++per_class[label];
    }
    for (std::size_t c : per_class)
        BOOST_TEST(c == 50u);
    BOOST_TEST(d.features[0] == (std::vector<double>{5.1, 3.5, 1.4, 0.2}), tt::per_element());
    BOOST_TEST(d.labels[0] == 0u);
    BOOST_TEST(d.labels[149] == 2u);
    const double means[] = {5.8433, 3.0573, 3.758, 1.1993};
    for (std::size_t j = 0; j < 4; ++j)
        BOOST_TEST(column_mean(d, j) == means[j], tt::tolerance(1e-4));
}

BOOST_AUTO_TEST_CASE(sklearn_header)
{
    // samples, features, class names; the names become class_names.
    const nn::LabelledData d = parse("3,2,cat,dog\n1.5,2,0\n-3,4e-1,1\n0,0,1\n");
    BOOST_TEST(d.size() == 3u);
    BOOST_TEST(d.num_features() == 2u);
    BOOST_TEST(d.class_names == (std::vector<std::string>{"cat", "dog"}), tt::per_element());
    BOOST_TEST(d.features[1] == (std::vector<double>{-3.0, 0.4}), tt::per_element());
    BOOST_TEST(d.labels == (std::vector<std::size_t>{0, 1, 1}), tt::per_element());
    // Declared classes count even when a class has no sample.
    const nn::LabelledData sparse = parse("2,1,a,b,c\n0.5,0\n0.25,1\n");
    BOOST_TEST(sparse.num_classes() == 3u);
}

BOOST_AUTO_TEST_CASE(plain_text_header)
{
    const nn::LabelledData d = parse("sepal,petal,species\n1,2,0\n3,4,2\n");
    BOOST_TEST(d.size() == 2u);
    BOOST_TEST(d.class_names.empty());
    BOOST_TEST(d.num_classes() == 3u); // largest label + 1
    BOOST_TEST(d.features[1] == (std::vector<double>{3.0, 4.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(no_header)
{
    const nn::LabelledData d = parse("1,2,0\n3,4,1\n");
    BOOST_TEST(d.size() == 2u); // the first line is data, not swallowed as a header
    BOOST_TEST(d.class_names.empty());
    BOOST_TEST(d.features[0] == (std::vector<double>{1.0, 2.0}), tt::per_element());
    BOOST_TEST(d.labels == (std::vector<std::size_t>{0, 1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(whitespace_crlf_blank_lines_and_options)
{
    // Spaces around fields, Windows line ends, blank lines, no final newline.
    const nn::LabelledData d = parse("2,2,a,b\r\n 1.0 , 2.0 ,0\r\n\r\n3,\t4,1");
    BOOST_TEST(d.size() == 2u);
    BOOST_TEST(d.class_names == (std::vector<std::string>{"a", "b"}), tt::per_element());
    BOOST_TEST(d.features[1] == (std::vector<double>{3.0, 4.0}), tt::per_element());

    // The label in the first column, and another delimiter.
    const nn::LabelledData first = parse("1;0.5;0.25\n0;1.5;2.5\n", {.label_column = 0, .delimiter = ';'});
    BOOST_TEST(first.labels == (std::vector<std::size_t>{1, 0}), tt::per_element());
    BOOST_TEST(first.features[1] == (std::vector<double>{1.5, 2.5}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(ragged_row)
{
    const std::string m = parse_error("1,2,0\n3,0\n");
    BOOST_TEST(contains(m, "mem.csv:2:"), m);
    BOOST_TEST(contains(m, "2 fields"), m);
    // Blank lines count: the bad row is line 4.
    const std::string m2 = parse_error("a,b,label\n1,2,0\n\n1,2,3,0\n");
    BOOST_TEST(contains(m2, "mem.csv:4:"), m2);
}

BOOST_AUTO_TEST_CASE(non_numeric_field)
{
    const std::string m = parse_error("1,2,0\n3,abc,1\n");
    BOOST_TEST(contains(m, "mem.csv:2:"), m);
    BOOST_TEST(contains(m, "abc"), m);
    const std::string m2 = parse_error("2,2,a,b\n1,2,0\n1,2x,1\n");
    BOOST_TEST(contains(m2, "mem.csv:3:"), m2);
    BOOST_TEST(contains(m2, "2x"), m2);
    const std::string empty_field = parse_error("1,2,0\n1,,0\n");
    BOOST_TEST(contains(empty_field, "mem.csv:2:"), empty_field);
}

BOOST_AUTO_TEST_CASE(bad_labels)
{
    const std::string negative = parse_error("1,2,0\n3,4,-1\n");
    BOOST_TEST(contains(negative, "mem.csv:2:"), negative);
    BOOST_TEST(contains(negative, "-1"), negative);
    const std::string fraction = parse_error("1,2,0.5\n");
    BOOST_TEST(contains(fraction, "mem.csv:1:"), fraction);
    BOOST_TEST(contains(fraction, "0.5"), fraction);
    // Numbers that are no class index at all (1e300 and inf are beyond every integer type).
    for (const std::string label : {"1e300", "inf", "nan", "-0.5"}) {
        const std::string m = parse_error("1,2,0\n3,4," + label + "\n");
        BOOST_TEST(contains(m, "mem.csv:2:"), m);
        BOOST_TEST(contains(m, "'" + label + "'"), m);
    }
    // The header names two classes: label 2 is out of range.
    const std::string beyond = parse_error("3,2,a,b\n1,2,0\n1,2,1\n1,2,2\n");
    BOOST_TEST(contains(beyond, "mem.csv:4:"), beyond);
    BOOST_TEST(contains(beyond, "label 2"), beyond);
}

BOOST_AUTO_TEST_CASE(non_finite_features_name_line_and_field)
{
    // from_chars reads all of these as numbers; none is a usable feature.
    for (const std::string v : {"nan", "NaN", "inf", "-inf", "infinity"}) {
        const std::string m = parse_error("a,b,label\n1,2,0\n\n3," + v + ",1\n");
        BOOST_TEST(contains(m, "mem.csv:4: field 2 ('" + v + "') is not a finite number"), m);
    }
    // With the label first, the feature column counts as its field of the line.
    const std::string first = parse_error("0,1,2\n1,nan,3\n", {.label_column = 0});
    BOOST_TEST(contains(first, "mem.csv:2: field 2 ('nan')"), first);
    // Without labels (rows to predict), every column is a feature.
    const std::string unlabelled = parse_error("1,2\n3,inf\n", {.has_label = false});
    BOOST_TEST(contains(unlabelled, "mem.csv:2: field 2 ('inf')"), unlabelled);
    // A value finite as a double but beyond float32 passes the reader and is refused by to_tensors
    // with its row and column (float64 keeps it).
    const nn::LabelledData big = parse("1,2,0\n3,-1e300,1\n");
    const std::string m = message_of<std::range_error>([&] { (void)nn::to_tensors(big); });
    BOOST_TEST(m == "to_tensors: row 2 column 2: -1e+300 is beyond the range of float32", m);
    BOOST_TEST(nn::to_tensors(big, autograd::Dtype::Float64).features.to_vector()[3] == -1e300);
}

BOOST_AUTO_TEST_CASE(header_counts_must_be_integers)
{
    // 1e300 once became a long long by a cast (undefined); nan passed as a count.
    for (const std::string count : {"1e300", "nan", "inf", "-1", "2.5", "1e2", "99999999999999999999"}) {
        const std::string m = parse_error(count + ",2,a,b\n1,2,0\n");
        BOOST_TEST(contains(m, "mem.csv:1: header field 1 ('" + count + "') should be the sample count"), m);
        const std::string f = parse_error("1," + count + ",a,b\n1,2,0\n");
        BOOST_TEST(contains(f, "mem.csv:1: header field 2 ('" + count + "') should be the feature count"), f);
    }
    // The file exactly.
    const std::string m = parse_error("1e300,4,a,b\n1,2,3,4,0\n");
    BOOST_TEST(contains(m, "mem.csv:1:"), m);
    // Counts that are integers still work, a leading zero included.
    BOOST_TEST(parse("02,2,a,b\n1,2,0\n3,4,1\n").size() == 2u);
}

BOOST_AUTO_TEST_CASE(labels_beyond_a_given_class_count_name_the_line)
{
    // A model of 3 classes reading a file with a label 5 on its line 3 (blank line 2 counts).
    const std::string m = parse_error("1,2,0\n\n3,4,5\n", {.num_classes = 3});
    BOOST_TEST(m == "load_csv: mem.csv:3: label 5 is out of range for 3 classes", m);
    BOOST_TEST(parse("1,2,0\n3,4,2\n", {.num_classes = 3}).size() == 2u);
}

BOOST_AUTO_TEST_CASE(truncated_file)
{
    // The header promises 5 rows; the file has 2. The error is about the whole file (there is no
    // offending line), so it names the file and both counts.
    const std::string m = parse_error("5,2,a,b\n1,2,0\n3,4,1\n");
    BOOST_TEST(contains(m, "mem.csv"), m);
    BOOST_TEST(contains(m, "5 rows"), m);
    BOOST_TEST(contains(m, "has 2"), m);
    BOOST_TEST(contains(m, "truncated"), m);
    // More rows than promised is an error too.
    const std::string more = parse_error("1,2,a,b\n1,2,0\n3,4,1\n");
    BOOST_TEST(contains(more, "mem.csv"), more);
}

BOOST_AUTO_TEST_CASE(header_feature_count_is_checked)
{
    // nn/data/csv.hpp: the scikit-learn header "is recognised and its counts are checked". The header
    // says 3 features; the rows have 2.
    const std::string m = parse_error("2,3,a,b\n1,2,0\n3,4,1\n");
    BOOST_TEST(contains(m, "mem.csv"), m);
}

BOOST_AUTO_TEST_CASE(empty_input)
{
    for (const std::string text : {"", "\n\n", "   \n", "x,y,label\n", "3,2,a,b\n"}) {
        const std::string m = parse_error(text);
        BOOST_TEST(contains(m, "mem.csv"), m);
        BOOST_TEST(contains(m, "no data rows"), m);
    }
}

BOOST_AUTO_TEST_CASE(missing_file)
{
    const std::filesystem::path path = std::filesystem::path(BACKPROP_DATA) / "no_such_file.csv";
    const std::string msg = message_of<std::runtime_error>([&] { (void)nn::load_csv(path); });
    BOOST_TEST(contains(msg, path.string()), msg);
}

BOOST_AUTO_TEST_CASE(standardize_gives_mean_zero_std_one)
{
    nn::LabelledData d = iris();
    const std::vector<std::size_t> labels = d.labels;
    nn::standardize(d);
    BOOST_TEST(d.size() == 150u);
    BOOST_TEST(d.labels == labels, tt::per_element());
    for (std::size_t j = 0; j < 4; ++j) {
        BOOST_TEST(std::abs(column_mean(d, j)) < 1e-12, "column " << j);
        BOOST_TEST(column_std(d, j) == 1.0, tt::tolerance(1e-12));
    }
    // A constant column becomes 0 (no division by a zero std).
    nn::LabelledData c = parse("5,1,0\n5,2,1\n5,6,1\n");
    nn::standardize(c);
    for (const auto& row : c.features) {
        BOOST_TEST(row[0] == 0.0);
        BOOST_TEST(std::isfinite(row[1]));
    }
    // (1, 2, 6): mean 3, population std sqrt((4 + 1 + 9) / 3) = sqrt(14/3).
    BOOST_TEST(c.features[2][1] == 3.0 / std::sqrt(14.0 / 3.0), tt::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(one_hot_examples_and_signed_labels)
{
    const nn::LabelledData d = iris();
    const std::vector<nn::Example> ex = nn::one_hot_examples(d);
    BOOST_REQUIRE_EQUAL(ex.size(), 150u);
    for (std::size_t i = 0; i < ex.size(); ++i) {
        BOOST_TEST(ex[i].input == d.features[i], tt::per_element());
        BOOST_REQUIRE_EQUAL(ex[i].target.size(), 3u);
        for (std::size_t c = 0; c < 3; ++c)
            BOOST_TEST(ex[i].target[c] == (c == d.labels[i] ? 1.0 : 0.0));
    }
    // Class 1 of 3: {0, 1, 0}.
    BOOST_TEST(ex[50].target == (std::vector<double>{0.0, 1.0, 0.0}), tt::per_element());

    BOOST_CHECK_THROW((void)nn::signed_labels(d), std::invalid_argument);
    const nn::LabelledData two = parse("1,0\n2,1\n3,1\n");
    BOOST_TEST(nn::signed_labels(two) == (std::vector<double>{-1.0, 1.0, 1.0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(subset_keeps_the_chosen_rows)
{
    const nn::LabelledData d = iris();
    const std::vector<std::size_t> idx{149, 0, 75};
    const nn::LabelledData s = nn::subset(d, idx);
    BOOST_TEST(s.size() == 3u);
    BOOST_TEST(s.class_names == d.class_names, tt::per_element());
    BOOST_TEST(s.features[0] == d.features[149], tt::per_element());
    BOOST_TEST(s.features[1] == d.features[0], tt::per_element());
    BOOST_TEST(s.labels == (std::vector<std::size_t>{2, 0, 1}), tt::per_element());

    const std::vector<std::size_t> bad{0, 150};
    const std::string msg = message_of<std::out_of_range>([&] { (void)nn::subset(d, bad); });
    BOOST_TEST(contains(msg, "150"), msg);
}
