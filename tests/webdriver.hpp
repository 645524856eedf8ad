// A small WebDriver client for the tests that open pages in a real browser: it starts
// chromedriver on a free localhost port, opens one headless Chromium session, and speaks the
// W3C WebDriver protocol (HTTP + JSON) over a POSIX socket. Every call has a deadline, so a
// browser that hangs fails the test instead of stalling it; the destructor ends the session and
// the driver's whole process group (Chromium included).
//
//   auto why = webdriver::missing_browser();            // "" when chromedriver and chromium exist
//   webdriver::Session s(webdriver::default_browser());
//   s.navigate("file:///tmp/page.html");
//   s.click(s.find("#next"));
//   s.press(webdriver::key::right);
//   std::string grad = s.attribute(s.find("[data-node-id=w].grad"), "data-grad");
//   s.save_screenshot("first.png");
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <sys/types.h>

namespace webdriver {

/// Where the programs are. BACKPROP_CHROMEDRIVER and BACKPROP_CHROMIUM override the defaults
/// (/usr/bin/chromedriver, /usr/bin/chromium: Debian's chromium-driver and chromium packages).
struct Browser {
    std::string chromedriver;
    std::string chromium;
};
Browser default_browser();

/// Why the browser cannot run here ("" when it can): the missing program, named with its package.
std::string missing_browser(const Browser& browser = default_browser());

/// WebDriver's codes for special keys (the W3C spec's table), as UTF-8.
namespace key {
inline constexpr const char* left = "\xEE\x80\x92";  // U+E012
inline constexpr const char* right = "\xEE\x80\x94"; // U+E014
inline constexpr const char* home = "\xEE\x80\x91";  // U+E011
inline constexpr const char* end = "\xEE\x80\x90";   // U+E010
} // namespace key

class Session {
public:
    /// Starts chromedriver and a headless Chromium (`--headless=new --no-sandbox`: CI runs as
    /// root) with a window of width x height. Throws std::runtime_error, with chromedriver's log
    /// file named, when either does not come up within `startup`.
    Session(const Browser& browser, int width = 1400, int height = 1000,
            std::chrono::milliseconds startup = std::chrono::seconds(30));
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    void navigate(const std::string& url);
    /// The first element matching a CSS selector; throws when there is none.
    std::string find(const std::string& css);
    std::vector<std::string> find_all(const std::string& css);
    void click(const std::string& element);
    /// An attribute's value, "" when the element lacks it.
    std::string attribute(const std::string& element, const std::string& name);
    std::string text(const std::string& element);
    /// Runs `script` (a function body; `arguments` holds args) and returns what it returns.
    nlohmann::json execute(const std::string& script, const nlohmann::json& args = nlohmann::json::array());
    /// Presses and releases one key (a key:: code or a plain character) on the focused element.
    void press(const std::string& key);
    /// The viewport Chromium lays the page out in, as a device of that size would (a phone's
    /// 360 px is below the smallest window Chromium allows, so this goes through DevTools).
    void emulate_viewport(int width, int height, bool mobile);
    /// Writes a PNG of the viewport.
    void save_screenshot(const std::filesystem::path& png);

    /// Every call's deadline (the session's page-load and script timeouts are set to it too).
    std::chrono::milliseconds call_timeout{std::chrono::seconds(15)};

private:
    nlohmann::json call(const std::string& method, const std::string& path, const nlohmann::json& body,
                        std::chrono::milliseconds timeout);
    nlohmann::json command(const std::string& method, const std::string& path,
                           const nlohmann::json& body = nlohmann::json::object());
    void stop_driver();

    pid_t driver_ = -1;
    int port_ = 0;
    std::string session_;
    std::filesystem::path log_;
};

} // namespace webdriver
