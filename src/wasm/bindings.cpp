// The embind surface of earshot.wasm: one declarative block of plain functions taking and returning
// strings, numbers and JS values (no class handles to .delete()). Calls live in a table keyed by a
// number, so one module can hold several (a chat and a voice call; React StrictMode mounting twice).
// client.js wraps it for embedders.
#include <map>
#include <memory>
#include <string>

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "driver.hpp"
#include "earshot/failures.hpp"
#include "earshot/json.hpp"
#include "earshot/qr.hpp"
#include "earshot/wire.hpp"

namespace earshot::web {
namespace {
using emscripten::val;
using nlohmann::json;

std::map<int, std::unique_ptr<Driver>> g_calls;
int g_next = 1;

const char* kStopped = R"({"code":"driver.stopped","message":"The call is not running."})";

// {"<key>": value}.dump(), key by key (initializer lists cost far more code in this build).
std::string one(const char* key, json value) {
  json o = json::object();
  o[key] = std::move(value);
  return o.dump();
}

Driver* find(int id) {
  auto it = g_calls.find(id);
  return it == g_calls.end() ? nullptr : it->second.get();
}

// start(configJson, hooks) -> {"id":N} or {"failure":{code,message}}.
// config: the page's runtime configuration (wire::config_from_json) plus {"url","saved","device","seed","entry"}:
// `entry` = {"room","token","userId","userName","signalingUrl","iceServers","ttl"} for an app-issued room token.
std::string start(const std::string& config_json, val hooks) {
  auto cfg = wire::config_from_json(config_json);
  if (!cfg) return one("failure", wire::to_json(cfg.failure()));
  json c = parse_json_text(config_json);
  DriverOptions options;
  options.config = cfg->call;
  auto str = [&](const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
  if (auto seed = c.find("seed"); seed != c.end() && seed->is_number()) options.seed = static_cast<std::uint64_t>(seed->get<double>());
  if (auto e = c.find("entry"); e != c.end() && e->is_object()) {
    json t = *e;
    t["type"] = "token-given";
    auto in = wire::page_input_from_json(t.dump());
    if (!in) return one("failure", wire::to_json(in.failure()));
    options.first = *in;
  } else {
    options.first = in::PageOpened{str(c, "url"), str(c, "saved"), str(c, "device")};
  }
  const int id = g_next++;
  g_calls[id] = std::make_unique<Driver>(std::move(options), std::move(hooks));
  return one("id", id);
}

std::string send(int id, const std::string& input_json) {
  Driver* d = find(id);
  return d ? d->send(input_json) : std::string(kStopped);
}
void on_event(int id, unsigned handle, int event, val value) {
  if (Driver* d = find(id)) d->on_event(handle, event, std::move(value));
}
// What the call has been doing (earshot/diagnostics.hpp), for the diagnostics overlay and support reports.
std::string diagnostics(int id) {
  Driver* d = find(id);
  return d ? d->diagnostics_json() : std::string("null");
}
val mic_stream(int id) { Driver* d = find(id); return d ? d->mic_stream() : val::null(); }
val peers(int id) { Driver* d = find(id); return d ? d->peers() : val::array(); }
val set_output(int id, const std::string& device) { Driver* d = find(id); return d ? d->set_output(device) : val::null(); }
void resume_audio(int id) { if (Driver* d = find(id)) d->resume_audio(); }
void stop(int id) { g_calls.erase(id); }
#ifndef EARSHOT_SELFHOSTED_ONLY
void vendor_stats(int id, int peer, const std::string& participant, val report) {
  if (Driver* d = find(id)) d->vendor_stats(peer, participant, report);
}
#endif

// The failure catalog's entry for a code: {code, fault, retryable, title, next} or null. Pages draw
// their help text from this, so there is no second copy of it in JS.
std::string describe_failure(const std::string& code) {
  const FailureInfo* f = failure_info(code);
  if (!f) return "null";
  json o = json::object();
  o["code"] = f->code;
  o["fault"] = to_string(f->fault);
  o["retryable"] = f->retryable;
  o["title"] = f->title;
  o["next"] = f->next;
  return o.dump();
}

}  // namespace

EMSCRIPTEN_BINDINGS(earshot) {
  emscripten::function("start", &start);
  emscripten::function("send", &send);
  emscripten::function("event", &on_event);
  emscripten::function("diagnostics", &diagnostics);
  emscripten::function("micStream", &mic_stream);
  emscripten::function("peers", &peers);
  emscripten::function("setOutput", &set_output);
  emscripten::function("resumeAudio", &resume_audio);
  emscripten::function("stop", &stop);
  emscripten::function("describeFailure", &describe_failure);
#ifndef EARSHOT_SELFHOSTED_ONLY  // vendor pages only: the IVS invite's QR code (qr.hpp), an SDK connection's stats
  emscripten::function("qrRows", +[](std::string text) { return qr_rows(text); });
  emscripten::function("vendorStats", &vendor_stats);
#endif
}

}  // namespace earshot::web
