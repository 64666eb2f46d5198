// The embind surface of earshot.wasm: one declarative block of plain functions taking and returning
// strings, numbers and JS values (no class handles to .delete()). client.js wraps it for embedders.
#include <memory>
#include <string>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "driver.hpp"
#include "earshot/wire.hpp"

namespace earshot::web {
namespace {
using emscripten::val;
using nlohmann::json;

std::unique_ptr<Driver> g_driver;  // one call per module instance; createEarshot() again for another

std::string field(const json& j, const char* key, const char* fallback = "") {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string(fallback);
}

// config: {"profile","apiBase","iceTransportPolicy","url","seed","saved"}. Returns "" or a failure as JSON.
std::string start(const std::string& config_json, val hooks) {
  json c = json::parse(config_json, nullptr, false);
  if (c.is_discarded() || !c.is_object())
    return R"({"code":"config.malformed","message":"The page configuration is not valid JSON."})";
  DriverOptions options;
  options.config.profile.name = field(c, "profile", "selfhosted");
  options.config.profile.api_base = field(c, "apiBase");
  options.config.ice_transport_policy = field(c, "iceTransportPolicy", "all");
  options.url = field(c, "url");
  options.saved = field(c, "saved");
  auto seed = c.find("seed");
  if (seed != c.end() && seed->is_number()) options.seed = static_cast<std::uint64_t>(seed->get<double>());
  g_driver.reset();
  g_driver = std::make_unique<Driver>(std::move(options), std::move(hooks));
  return {};
}

std::string send(const std::string& input_json) {
  if (!g_driver) return R"({"code":"driver.stopped","message":"The call is not running."})";
  return g_driver->send(input_json);
}
void on_event(unsigned id, int event, val value) { if (g_driver) g_driver->on_event(id, event, std::move(value)); }
std::string snapshot() { return g_driver ? g_driver->snapshot_json() : std::string("null"); }
val mic_stream() { return g_driver ? g_driver->mic_stream() : val::null(); }
val stats() { return g_driver ? g_driver->stats() : val::null(); }
val set_output(const std::string& id) { return g_driver ? g_driver->set_output(id) : val::null(); }
void resume_audio() { if (g_driver) g_driver->resume_audio(); }
void stop() { g_driver.reset(); }

// Stateless helper for embedders and tests: the invite as the core reads it (no network, no call).
std::string read_invite(const std::string& url, double now_ms) {
  Result<Invite> invite = parse_invite_link(url, static_cast<Instant>(now_ms));
  if (!invite) return json{{"ok", false}, {"failure", wire::to_json(invite.failure())}}.dump();
  const Invite& i = *invite;
  return json{{"ok", true},
              {"room", i.room},
              {"role", std::string(to_string(i.role))},
              {"name", i.name},
              {"title", i.title},
              {"expiresAt", i.expires_at}}
      .dump();
}
}  // namespace

EMSCRIPTEN_BINDINGS(earshot) {
  emscripten::function("start", &start);
  emscripten::function("send", &send);
  emscripten::function("event", &on_event);
  emscripten::function("snapshot", &snapshot);
  emscripten::function("micStream", &mic_stream);
  emscripten::function("stats", &stats);
  emscripten::function("setOutput", &set_output);
  emscripten::function("resumeAudio", &resume_audio);
  emscripten::function("stop", &stop);
  emscripten::function("readInvite", &read_invite);
}

}  // namespace earshot::web
