#include "webdriver.hpp"

#include <autograd/atomic_file.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace webdriver {

namespace {

using Clock = std::chrono::steady_clock;

std::string env_or(const char* name, const char* fallback)
{
    const char* v = std::getenv(name);
    return v != nullptr && *v != '\0' ? v : fallback;
}

int remaining_ms(Clock::time_point deadline)
{
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

// A socket that closes itself.
struct Socket {
    int fd = -1;
    explicit Socket(int f) : fd(f) {}
    ~Socket()
    {
        if (fd >= 0)
            ::close(fd);
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
};

// Waits until fd is ready for `events` or the deadline passes (then throws, naming `what`).
void wait_for(int fd, short events, Clock::time_point deadline, const std::string& what)
{
    for (;;) {
        pollfd p{fd, events, 0};
        const int ms = remaining_ms(deadline);
        if (ms == 0)
            throw std::runtime_error("webdriver: timed out on " + what);
        const int r = ::poll(&p, 1, ms);
        if (r > 0)
            return;
        if (r < 0 && errno != EINTR)
            throw std::runtime_error("webdriver: poll failed on " + what + ": " + std::strerror(errno));
    }
}

// A free TCP port on localhost at the time of asking (the kernel's choice for port 0).
int free_port()
{
    Socket s(::socket(AF_INET, SOCK_STREAM, 0));
    if (s.fd < 0)
        throw std::runtime_error(std::string("webdriver: socket: ") + std::strerror(errno));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
        throw std::runtime_error(std::string("webdriver: no free port: ") + std::strerror(errno));
    return ntohs(a.sin_port);
}

struct Response {
    int status = 0;
    std::string body;
};

std::string lower(std::string s)
{
    for (char& c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Undoes Transfer-Encoding: chunked.
std::string dechunk(const std::string& raw)
{
    std::string out;
    std::size_t at = 0;
    for (;;) {
        const std::size_t eol = raw.find("\r\n", at);
        if (eol == std::string::npos)
            throw std::runtime_error("webdriver: truncated chunked response");
        const std::size_t size = std::stoul(raw.substr(at, eol - at), nullptr, 16);
        if (size == 0)
            return out;
        if (eol + 2 + size > raw.size())
            throw std::runtime_error("webdriver: truncated chunk");
        out.append(raw, eol + 2, size);
        at = eol + 2 + size + 2;
    }
}

// One HTTP/1.1 request to 127.0.0.1:port with `Connection: close`; the whole exchange is
// bounded by `deadline`.
Response http(int port, const std::string& method, const std::string& path, const std::string& body,
              Clock::time_point deadline)
{
    const std::string what = method + " " + path;
    Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    if (s.fd < 0)
        throw std::runtime_error("webdriver: socket: " + std::string(std::strerror(errno)));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::connect(s.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        if (errno != EINPROGRESS)
            throw std::runtime_error("webdriver: cannot connect for " + what + ": " + std::strerror(errno));
        wait_for(s.fd, POLLOUT, deadline, "connecting for " + what);
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
            throw std::runtime_error("webdriver: cannot connect for " + what + ": " + std::strerror(err));
    }
    std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nConnection: close\r\nAccept: application/json\r\n";
    if (method == "POST")
        request += "Content-Type: application/json; charset=utf-8\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\n";
    request += "\r\n";
    if (method == "POST")
        request += body;
    for (std::size_t sent = 0; sent < request.size();) {
        wait_for(s.fd, POLLOUT, deadline, "sending " + what);
        const ssize_t n = ::send(s.fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            throw std::runtime_error("webdriver: send failed for " + what + ": " + std::strerror(errno));
        if (n > 0)
            sent += static_cast<std::size_t>(n);
    }
    std::string raw;
    char buf[65536];
    for (;;) {
        wait_for(s.fd, POLLIN, deadline, "the answer to " + what);
        const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            throw std::runtime_error("webdriver: recv failed for " + what + ": " + std::strerror(errno));
        }
        raw.append(buf, static_cast<std::size_t>(n));
        // Stop at a complete Content-Length body rather than waiting for the close.
        const std::size_t head_end = raw.find("\r\n\r\n");
        if (head_end != std::string::npos) {
            const std::string head = lower(raw.substr(0, head_end));
            const std::size_t cl = head.find("\r\ncontent-length:");
            if (cl != std::string::npos &&
                raw.size() - head_end - 4 >= std::stoul(head.substr(cl + 17)))
                break;
        }
    }
    const std::size_t head_end = raw.find("\r\n\r\n");
    if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos)
        throw std::runtime_error("webdriver: not an HTTP answer to " + what + ": " + raw.substr(0, 200));
    Response r;
    r.status = std::stoi(raw.substr(raw.find(' ') + 1, 3));
    const std::string head = lower(raw.substr(0, head_end));
    r.body = raw.substr(head_end + 4);
    if (head.find("transfer-encoding: chunked") != std::string::npos)
        r.body = dechunk(r.body);
    else if (const std::size_t cl = head.find("\r\ncontent-length:"); cl != std::string::npos)
        r.body.resize(std::min<std::size_t>(r.body.size(), std::stoul(head.substr(cl + 17))));
    return r;
}

std::string base64_decode(const std::string& in)
{
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned bits = 0;
    int count = 0;
    for (const char c : in) {
        if (c == '=')
            break;
        const std::size_t v = alphabet.find(c);
        if (v == std::string::npos)
            continue; // line breaks
        bits = (bits << 6) | static_cast<unsigned>(v);
        count += 6;
        if (count >= 8) {
            count -= 8;
            out += static_cast<char>((bits >> count) & 0xFF);
        }
    }
    return out;
}

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

// W3C: an element reference is an object under this key.
constexpr const char* kElement = "element-6066-11e4-a52e-4f735466cecf";

} // namespace

Browser default_browser()
{
    return {env_or("BACKPROP_CHROMEDRIVER", "/usr/bin/chromedriver"), env_or("BACKPROP_CHROMIUM", "/usr/bin/chromium")};
}

std::string missing_browser(const Browser& browser)
{
    if (!executable(browser.chromedriver))
        return "no chromedriver at " + browser.chromedriver + " (apt-get install chromium-driver, or set BACKPROP_CHROMEDRIVER)";
    if (!executable(browser.chromium))
        return "no chromium at " + browser.chromium + " (apt-get install chromium, or set BACKPROP_CHROMIUM)";
    return "";
}

Session::Session(const Browser& browser, int width, int height, std::chrono::milliseconds startup)
{
    port_ = free_port();
    log_ = std::filesystem::temp_directory_path() / ("backprop_chromedriver_" + std::to_string(::getpid()) + ".log");
    const std::string port_arg = "--port=" + std::to_string(port_);
    const std::string log_arg = "--log-path=" + log_.string();
    const pid_t parent = ::getpid();
    driver_ = ::fork();
    if (driver_ < 0)
        throw std::runtime_error(std::string("webdriver: fork: ") + std::strerror(errno));
    if (driver_ == 0) {
        // Its own process group, so that the destructor can end it with the browsers it starts;
        // and it dies with this process, should the test be killed before any destructor runs.
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127);
        const int devnull = ::open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            ::dup2(devnull, STDIN_FILENO);
            ::dup2(devnull, STDOUT_FILENO);
            ::dup2(devnull, STDERR_FILENO);
        }
        ::execl(browser.chromedriver.c_str(), browser.chromedriver.c_str(), port_arg.c_str(), log_arg.c_str(),
                static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(driver_, driver_); // also here: whichever of the two runs first

    try {
        const auto deadline = Clock::now() + startup;
        for (;;) {
            int status = 0;
            if (::waitpid(driver_, &status, WNOHANG) == driver_) {
                driver_ = -1;
                throw std::runtime_error("webdriver: " + browser.chromedriver + " exited at start (status " +
                                         std::to_string(status) + "); see " + log_.string());
            }
            try {
                const Response r = http(port_, "GET", "/status", "", Clock::now() + std::chrono::seconds(2));
                if (r.status == 200 && nlohmann::json::parse(r.body).at("value").value("ready", false))
                    break;
            } catch (const std::exception&) {
                // not listening yet, or a reply that is not yet the service's (retried until the deadline)
            }
            if (Clock::now() > deadline)
                throw std::runtime_error("webdriver: chromedriver on port " + std::to_string(port_) +
                                         " not ready after " + std::to_string(startup.count()) + " ms; see " +
                                         log_.string());
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const nlohmann::json caps = {
            {"capabilities",
             {{"alwaysMatch",
               {{"browserName", "chrome"},
                {"goog:chromeOptions",
                 {{"binary", browser.chromium},
                  {"args",
                   {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--hide-scrollbars", "--force-device-scale-factor=1",
                    "--window-size=" + std::to_string(width) + "," + std::to_string(height)}}}}}}}}};
        nlohmann::json created;
        try {
            created = call("POST", "/session", caps, startup);
        } catch (const std::runtime_error& e) {
            throw std::runtime_error(std::string(e.what()) + " (starting " + browser.chromium + "; see " +
                                     log_.string() + ")");
        }
        session_ = created.at("sessionId").get<std::string>();
        const auto ms = call_timeout.count();
        command("POST", "/timeouts", {{"script", ms}, {"pageLoad", ms}, {"implicit", 0}});
    } catch (...) {
        stop_driver();
        throw;
    }
}

Session::~Session()
{
    if (!session_.empty()) {
        try {
            call("DELETE", "/session/" + session_, nullptr, std::chrono::seconds(10));
        } catch (const std::exception&) {
            // the process group goes next, whatever the browser says
        }
    }
    stop_driver();
}

void Session::stop_driver()
{
    if (driver_ <= 0)
        return;
    ::kill(-driver_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(3);
    while (::waitpid(driver_, nullptr, WNOHANG) == 0) {
        if (Clock::now() > deadline) {
            ::kill(-driver_, SIGKILL);
            ::waitpid(driver_, nullptr, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(-driver_, SIGKILL); // any browser process left in the group
    driver_ = -1;
}

nlohmann::json Session::call(const std::string& method, const std::string& path, const nlohmann::json& body,
                             std::chrono::milliseconds timeout)
{
    const Response r = http(port_, method, path, body.is_null() ? "" : body.dump(), Clock::now() + timeout);
    nlohmann::json answer;
    try {
        answer = nlohmann::json::parse(r.body);
    } catch (const nlohmann::json::parse_error&) {
        throw std::runtime_error("webdriver: " + method + " " + path + ": HTTP " + std::to_string(r.status) +
                                 ", not JSON: " + r.body.substr(0, 300));
    }
    const nlohmann::json value = answer.contains("value") ? answer["value"] : nlohmann::json();
    if (r.status != 200 || (value.is_object() && value.contains("error"))) {
        const std::string error = value.is_object() ? value.value("error", "") : "";
        const std::string message = value.is_object() ? value.value("message", "") : "";
        throw std::runtime_error("webdriver: " + method + " " + path + ": HTTP " + std::to_string(r.status) + " " +
                                 error + ": " + message.substr(0, 500));
    }
    return value;
}

nlohmann::json Session::command(const std::string& method, const std::string& path, const nlohmann::json& body)
{
    return call(method, "/session/" + session_ + path, method == "POST" ? body : nlohmann::json(), call_timeout);
}

void Session::navigate(const std::string& url) { command("POST", "/url", {{"url", url}}); }

std::string Session::find(const std::string& css)
{
    return command("POST", "/element", {{"using", "css selector"}, {"value", css}}).at(kElement).get<std::string>();
}

std::vector<std::string> Session::find_all(const std::string& css)
{
    std::vector<std::string> ids;
    for (const auto& e : command("POST", "/elements", {{"using", "css selector"}, {"value", css}}))
        ids.push_back(e.at(kElement).get<std::string>());
    return ids;
}

void Session::click(const std::string& element) { command("POST", "/element/" + element + "/click"); }

std::string Session::attribute(const std::string& element, const std::string& name)
{
    const nlohmann::json v = command("GET", "/element/" + element + "/attribute/" + name);
    return v.is_string() ? v.get<std::string>() : "";
}

std::string Session::text(const std::string& element)
{
    return command("GET", "/element/" + element + "/text").get<std::string>();
}

nlohmann::json Session::execute(const std::string& script, const nlohmann::json& args)
{
    return command("POST", "/execute/sync", {{"script", script}, {"args", args}});
}

void Session::press(const std::string& key)
{
    const nlohmann::json actions = {
        {"actions",
         {{{"type", "key"},
           {"id", "keyboard"},
           {"actions", {{{"type", "keyDown"}, {"value", key}}, {{"type", "keyUp"}, {"value", key}}}}}}}};
    command("POST", "/actions", actions);
}

void Session::emulate_viewport(int width, int height, bool mobile)
{
    command("POST", "/goog/cdp/execute",
            {{"cmd", "Emulation.setDeviceMetricsOverride"},
             {"params", {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", mobile}}}});
}

void Session::save_screenshot(const std::filesystem::path& png)
{
    autograd::write_file_atomically(png, base64_decode(command("GET", "/screenshot").get<std::string>()));
}

} // namespace webdriver
