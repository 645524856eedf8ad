// tools/train run distributed as a user runs it, `mpirun -np P train ...`, against train alone
// (the built programs, whose paths and mpirun's command CMake passes in), on data/iris.csv:
// - 2 processes with a global batch B give the weights of one process with batch B, for SGD with
//   momentum and for Adam (and 4 processes, and --distributed alone, for SGD), within 1e-5 relative (float32; MPI sums the ranks' gradients in its own
//   order, so equal to rounding, not bit for bit);
// - a checkpoint resumes under another world size: 1 epoch at 2 processes then 1 at 1 (and 1 at
//   1 then 1 at 2) equal 2 epochs at 2;
// - the metrics CSV is written once, by rank 0, and its numbers are the single process's;
// - a batch size the world size does not divide is an error naming both, and an error raised on
//   rank 0 alone (a metrics file it cannot continue) ends the whole job instead of leaving rank 1
//   waiting in a collective;
// - killed: one rank killed with SIGKILL once the first checkpoint exists ends the job within 30 s
//   with a non-zero status, and the checkpoint on disk is whole (it loads, and evaluate scores it).
// The training set holds 108 rows: with batch 12 every global batch, the last too, splits evenly
// over 2 processes (no padding), so the equality holds for whole epochs.
#define BOOST_TEST_MODULE train_dist
#include <boost/test/unit_test.hpp>

#include "test_util.hpp"

#include <nn/io/safetensors.hpp>
#include <nn/metrics/metrics_log.hpp>

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using test_util::contains;
namespace tt = boost::test_tools;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kIris = std::string(BACKPROP_DATA) + "/iris.csv";
// One thread per process: two ranks on two cores, and the runs' sums in a fixed order.
const std::string kEnv = "BACKPROP_NUM_THREADS=1 ";

const fs::path& work_dir()
{
    static const test_util::ScratchDir dir("train_dist");
    return dir.path;
}

using Run = test_util::ProgramRun;

// train alone (np 0) or under `mpirun -np np`, in the scratch folder.
Run train(int np, const std::string& args)
{
    const std::string program = np == 0 ? fmt::format("'{}'", BACKPROP_TRAIN)
                                        : fmt::format("{} {} {} '{}'", BACKPROP_MPIRUN, np, BACKPROP_MPIRUN_FLAGS, BACKPROP_TRAIN);
    const Run r = test_util::run_program("/usr/bin/env", kEnv + program + " " + args, work_dir() / "output.txt", work_dir());
    BOOST_TEST_MESSAGE("train (np " << np << ") " << args << ": status " << r.status << "\n" << r.output);
    return r;
}

// The options every run of a comparison shares.
std::string options(const std::string& extra = "", int batch = 12)
{
    return fmt::format("--data '{}' --layers 4,16,3 --batch-size {} --seed 3 --lr 0.05 -q {}", kIris, batch, extra);
}

// Every tensor of `a` (the model's, the optimizer's, the scheduler's) equals b's within `rel`
// relative to b's largest magnitude (a tensor's near-zero entries take their absolute error
// against its scale).
void check_close(const fs::path& a, const fs::path& b, double rel = 1e-5)
{
    const nn::StateDict sa = nn::load_safetensors(a), sb = nn::load_safetensors(b);
    BOOST_TEST_REQUIRE(sa.size() == sb.size());
    BOOST_TEST_REQUIRE(sa.size() > 2u); // weights, biases and the optimizer's state
    for (const auto& [name, ta] : sa) {
        const autograd::Tensor* tb = sb.find(name);
        BOOST_TEST_REQUIRE(tb != nullptr, name << " missing from " << b);
        BOOST_TEST_REQUIRE(ta.shape() == tb->shape(), name);
        const std::vector<double> va = ta.to_vector(), vb = tb->to_vector();
        double scale = 0;
        for (double v : vb)
            scale = std::max(scale, std::abs(v));
        double worst = 0;
        for (std::size_t i = 0; i < va.size(); ++i)
            worst = std::max(worst, std::abs(va[i] - vb[i]) / std::max(scale, 1e-30));
        BOOST_TEST(worst <= rel, name << ": relative difference " << worst << " between " << a << " and " << b);
    }
}

} // namespace

BOOST_AUTO_TEST_CASE(processes_train_as_one)
{
    // 4 processes (oversubscribed on 2 cores), 3 rows of every batch of 12 each.
    const std::string common = options("--epochs 2");
    BOOST_TEST_REQUIRE(train(0, common + " --save alone.safetensors").status == 0);
    BOOST_TEST_REQUIRE(train(4, common + " --save four.safetensors").status == 0);
    check_close(work_dir() / "four.safetensors", work_dir() / "alone.safetensors");
    // --distributed without mpirun: a world of one, the same run.
    BOOST_TEST_REQUIRE(train(0, common + " --distributed --save one.safetensors").status == 0);
    check_close(work_dir() / "one.safetensors", work_dir() / "alone.safetensors");
}

BOOST_AUTO_TEST_CASE(two_processes_train_as_one)
{
    for (const std::string opt : {"sgd", "adam"}) {
        const std::string common = options("--epochs 3 --optimizer " + opt);
        BOOST_TEST_REQUIRE(train(0, common + " --save alone.safetensors").status == 0);
        const Run two = train(2, common + " --save two.safetensors");
        BOOST_TEST_REQUIRE(two.status == 0);
        // Rank 0 alone prints: one last line, not two.
        const std::size_t first = two.output.find("epoch 3: train loss");
        BOOST_TEST((first != std::string::npos && two.output.find("epoch 3: train loss", first + 1) == std::string::npos), two.output);
        check_close(work_dir() / "two.safetensors", work_dir() / "alone.safetensors");
    }
    // --grad-stats reads the mean gradients before each step: the all-reduce way, not the shared
    // weights of ddp.step(); the same weights and optimizer state all the same.
    const std::string common = options("--epochs 3 --optimizer sgd --grad-stats");
    BOOST_TEST_REQUIRE(train(0, common + " --save alone.safetensors").status == 0);
    BOOST_TEST_REQUIRE(train(2, common + " --save two.safetensors").status == 0);
    check_close(work_dir() / "two.safetensors", work_dir() / "alone.safetensors");
}

BOOST_AUTO_TEST_CASE(checkpoints_resume_under_another_world_size)
{
    BOOST_TEST_REQUIRE(train(2, options("--epochs 2 --save whole.safetensors")).status == 0);
    // 2 processes, then 1.
    BOOST_TEST_REQUIRE(train(2, options("--epochs 1 --save a.safetensors")).status == 0);
    BOOST_TEST(nn::read_safetensors(work_dir() / "a.safetensors").metadata.at("world_size") == "2"); // for information
    BOOST_TEST_REQUIRE(train(0, options("--resume a.safetensors --epochs 1 --save a.safetensors")).status == 0);
    check_close(work_dir() / "a.safetensors", work_dir() / "whole.safetensors");
    const auto meta = nn::read_safetensors(work_dir() / "a.safetensors").metadata;
    BOOST_TEST(meta.at("epoch") == "2");
    BOOST_TEST(meta.at("world_size") == "1");
    // 1 process, then 2.
    BOOST_TEST_REQUIRE(train(0, options("--epochs 1 --save b.safetensors")).status == 0);
    BOOST_TEST_REQUIRE(train(2, options("--resume b.safetensors --epochs 1 --save b.safetensors")).status == 0);
    check_close(work_dir() / "b.safetensors", work_dir() / "whole.safetensors");
}

BOOST_AUTO_TEST_CASE(metrics_are_written_once_with_the_single_process_numbers)
{
    std::error_code ignored;
    fs::remove(work_dir() / "m1.csv", ignored);
    fs::remove(work_dir() / "m2.csv", ignored);
    BOOST_TEST_REQUIRE(train(0, options("--epochs 4 --metrics m1.csv")).status == 0);
    BOOST_TEST_REQUIRE(train(2, options("--epochs 4 --metrics m2.csv")).status == 0);
    const nn::MetricsLog one = nn::MetricsLog::read_csv(work_dir() / "m1.csv");
    const nn::MetricsLog two = nn::MetricsLog::read_csv(work_dir() / "m2.csv");
    BOOST_TEST_REQUIRE(two.rows().size() == 4u); // one row per epoch: written by rank 0 alone
    BOOST_TEST(two.column("epoch") == (std::vector<double>{1, 2, 3, 4}), tt::per_element());
    for (const std::string column : {"train_loss", "train_accuracy", "val_loss", "val_accuracy", "test_accuracy"}) {
        const std::vector<double> a = one.column(column), b = two.column(column);
        for (std::size_t i = 0; i < a.size(); ++i)
            BOOST_TEST(b[i] == a[i], column << " of epoch " << i + 1 << ": " << b[i] << " at 2 processes, " << a[i] << " alone"
                                            << tt::tolerance(1e-5));
    }
    // Training moved the loss: a comparison of constants would prove nothing.
    BOOST_TEST(one.column("train_loss").back() < one.column("train_loss").front());
}

BOOST_AUTO_TEST_CASE(errors_end_the_whole_job)
{
    const auto started = Clock::now();
    const Run odd = train(2, options("--epochs 1", 15));
    BOOST_TEST(odd.status != 0);
    BOOST_TEST(contains(odd.output, "--batch-size 15: not a multiple of the 2 processes"), odd.output);
    // Every rank meets that error alike: rank 0 prints it, once.
    BOOST_TEST(contains(odd.output, "dist: all 2 ranks failed: train: --batch-size 15"), odd.output);
    const auto first = odd.output.find("not a multiple of");
    BOOST_TEST(odd.output.find("not a multiple of", first + 1) == std::string::npos, odd.output);

    // A metrics file whose columns are not this run's: only rank 0 reads it, and only rank 0
    // fails; rank 1 goes on to the first collective, and must not wait there for ever.
    BOOST_TEST_REQUIRE(train(0, options("--epochs 1 --save r.safetensors")).status == 0);
    {
        std::ofstream bad(work_dir() / "bad.csv");
        bad << "epoch,something_else\n1,2\n";
    }
    const Run rank0 = train(2, "--resume r.safetensors --data '" + kIris + "' --epochs 1 --metrics bad.csv");
    BOOST_TEST(rank0.status != 0);
    BOOST_TEST(contains(rank0.output, "rank 0 of 2 failed: train: --metrics bad.csv: its columns"), rank0.output);
    BOOST_TEST(!contains(rank0.output, "epoch 2: train loss"), rank0.output);
    BOOST_TEST(std::chrono::duration<double>(Clock::now() - started).count() < 60.0);
}

BOOST_AUTO_TEST_CASE(a_killed_rank_ends_the_job_and_leaves_a_whole_checkpoint)
{
    const fs::path checkpoint = work_dir() / "kill.safetensors";
    std::error_code ignored;
    fs::remove(checkpoint, ignored);
    // Far more epochs than the test waits for: the job can only end by the kill.
    const std::string command =
        fmt::format("exec env {} {} 2 {} '{}' {} --epochs 100000 --save '{}' > '{}' 2>&1", kEnv, BACKPROP_MPIRUN,
                    BACKPROP_MPIRUN_FLAGS, BACKPROP_TRAIN, options(), checkpoint.string(), (work_dir() / "kill.txt").string());
    const pid_t mpirun = ::fork();
    BOOST_TEST_REQUIRE(mpirun >= 0);
    if (mpirun == 0) {
        ::setpgid(0, 0); // its own group: the test can end the whole tree if the job hangs
        ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    const auto end_tree = [&] { ::kill(-mpirun, SIGKILL); };

    // Wait for the first checkpoint.
    const auto start = Clock::now();
    while (!fs::exists(checkpoint) && Clock::now() - start < std::chrono::seconds(60))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!fs::exists(checkpoint)) {
        end_tree();
        ::waitpid(mpirun, nullptr, 0);
        BOOST_FAIL("no checkpoint after 60 s:\n" << test_util::read_text(work_dir() / "kill.txt"));
    }
    // mpirun starts the ranks as its children (Open MPI, one machine): kill the last one.
    pid_t victim = -1;
    for (const fs::directory_entry& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream stat(e.path() / "stat");
        std::string line;
        std::getline(stat, line);
        // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
        const std::size_t close = line.rfind(')');
        if (close == std::string::npos || line.find("(train)") == std::string::npos)
            continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(line.c_str() + close + 1, " %c %d", &state, &ppid) == 2 && ppid == mpirun)
            victim = std::max(victim, static_cast<pid_t>(std::stoi(name)));
    }
    if (victim < 0) {
        end_tree();
        ::waitpid(mpirun, nullptr, 0);
        BOOST_FAIL("found no rank of train under mpirun (pid " << mpirun << ")");
    }
    const auto killed = Clock::now();
    BOOST_TEST_REQUIRE(::kill(victim, SIGKILL) == 0);

    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(mpirun, &status, WNOHANG)) == 0 && Clock::now() - killed < std::chrono::seconds(30))
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const double seconds = std::chrono::duration<double>(Clock::now() - killed).count();
    if (done == 0) {
        end_tree();
        ::waitpid(mpirun, nullptr, 0);
        BOOST_FAIL("the job still ran 30 s after a rank was killed:\n" << test_util::read_text(work_dir() / "kill.txt"));
    }
    end_tree(); // nothing of the job may outlive the test
    BOOST_TEST_MESSAGE("the job ended " << seconds << " s after the kill, status " << status << "\n"
                                        << test_util::read_text(work_dir() / "kill.txt"));
    BOOST_TEST(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "status 0 although a rank was killed");

    // The checkpoint is whole: every tensor loads, and evaluate scores the model in it.
    const nn::StateDict state = nn::load_safetensors(checkpoint);
    BOOST_TEST(state.find("0.weight") != nullptr);
    BOOST_TEST(state.find("2.bias") != nullptr);
    const Run scored = test_util::run_program(BACKPROP_EVALUATE, "--model '" + checkpoint.string() + "' --data '" + kIris + "'",
                                              work_dir() / "evaluate.txt");
    BOOST_TEST(scored.status == 0, scored.output);
    BOOST_TEST(contains(scored.output, "accuracy"), scored.output);
}
