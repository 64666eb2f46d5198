// The diagnostics overlay: Dear ImGui on WebGL2 (GLFW + OpenGL3 backends), a separate wasm module the
// room page fetches only when someone opens it. It draws what the call core's diagnostics view says
// (earshot/diagnostics.hpp; Call.diagnostics() in JS), fed once a second through update(json):
// Call (state timeline, participants, timers), Network (per peer link: candidate pair, RTT, jitter,
// loss, bitrates, level, with 60 s plots), Signaling (link, reconnects, warnings) and Log (failures,
// announcements, the effect trace). shown() tells what the last frame drew, for tests and support.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <GLES3/gl3.h>
#include <GLFW/glfw3.h>
#include <emscripten/bind.h>
#include <emscripten/emscripten.h>
#include <nlohmann/json.hpp>

#include "imgui.h"
#include "imgui_impl_glfw.h"
#include "imgui_impl_opengl3.h"

namespace {
using nlohmann::json;

GLFWwindow* g_window = nullptr;
json g_view = json::object();  // the last diagnostics view
json g_shown = json::object(); // what the last frame drew
int g_frames = 0;
// Frames still to draw: the view changes once a second and the picture only with it or with input,
// so an idle overlay draws nothing (a frame through a software WebGL costs a whole main thread).
int g_dirty = 2;
void redraw(int frames = 3) { g_dirty = std::max(g_dirty, frames); }
int g_width = 720, g_height = 640;

std::string str(const json& j, const char* k) {
  auto it = j.find(k);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
double num(const json& j, const char* k, double fallback = -1) {
  auto it = j.find(k);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}
std::vector<float> floats(const json& j) {
  std::vector<float> v;
  if (j.is_array())
    for (const auto& x : j) v.push_back(x.is_number() ? x.get<float>() : 0.f);
  return v;
}
// "-3.2 s" for a monotonic time relative to the view's now.
std::string ago(double at) {
  char b[32];
  std::snprintf(b, sizeof b, "%6.1f s", (at - num(g_view, "now", at)) / 1000.0);
  return b;
}
ImVec4 quality_colour(const std::string& q) {
  if (q == "good") return {0.35f, 0.85f, 0.45f, 1};
  if (q == "fair") return {0.95f, 0.75f, 0.2f, 1};
  if (q == "poor") return {0.95f, 0.35f, 0.3f, 1};
  return {0.7f, 0.7f, 0.7f, 1};
}

void plot(const char* label, const json& series, const char* unit, float floor_max) {
  std::vector<float> v = floats(series);
  float hi = floor_max;
  for (float x : v) hi = std::max(hi, x);
  char overlay[64], id[32];
  std::snprintf(overlay, sizeof overlay, "%s %.1f %s (last 60 s)", label, v.empty() ? 0.f : v.back(), unit);
  std::snprintf(id, sizeof id, "##%s", label);
  const float width = std::max(40.f, ImGui::GetContentRegionAvail().x);
  ImGui::PlotLines(id, v.empty() ? nullptr : v.data(), static_cast<int>(v.size()), 0, overlay, 0.f, hi * 1.1f, ImVec2(width, 44));
}

void call_window(json& shown) {
  ImGui::Text("State: %s   Room: %s", str(g_view, "state").c_str(), str(g_view, "room").c_str());
  if (ImGui::CollapsingHeader("Participants", ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("people", 5, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp)) {
    for (const char* h : {"Name", "Connection", "Quality", "Muted", "Level"}) ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const auto& p : g_view.value("participants", json::array())) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn(); ImGui::TextUnformatted(str(p, "name").c_str());
      ImGui::TableNextColumn(); ImGui::TextUnformatted(str(p, "connection").c_str());
      ImGui::TableNextColumn(); ImGui::TextColored(quality_colour(str(p, "quality")), "%s", str(p, "quality").c_str());
      ImGui::TableNextColumn(); ImGui::TextUnformatted(p.value("muted", false) ? "yes" : "no");
      ImGui::TableNextColumn(); ImGui::ProgressBar(static_cast<float>(num(p, "level", 0)), ImVec2(-1, 0), "");
    }
    ImGui::EndTable();
  }
  if (ImGui::CollapsingHeader("Timers pending", ImGuiTreeNodeFlags_DefaultOpen)) {
    for (const auto& t : g_view.value("timers", json::array()))
      ImGui::Text("in %7.1f s  %s", num(t, "inMs", 0) / 1000.0, str(t, "name").c_str());
  }
  if (ImGui::CollapsingHeader("State timeline", ImGuiTreeNodeFlags_DefaultOpen)) {
    const json states = g_view.value("states", json::array());
    for (auto it = states.rbegin(); it != states.rend(); ++it)
      ImGui::Text("%s  %s -> %s", ago(num(*it, "at", 0)).c_str(), str(*it, "from").c_str(), str(*it, "to").c_str());
  }
  shown["state"] = str(g_view, "state");
}

// A participant's name from the view's roster (links name their participant by id).
std::string name_of(const std::string& id) {
  for (const auto& p : g_view.value("participants", json::array()))
    if (str(p, "id") == id) return str(p, "name");
  return id.empty() ? std::string("(not yet known)") : id;
}

void network_window(json& shown) {
  json drawn = json::array();
  const json peers = g_view.value("peers", json::array());
  if (peers.empty()) ImGui::TextDisabled("No peer links yet.");
  for (const auto& p : peers) {
    ImGui::PushID(static_cast<int>(num(p, "id", 0)));
    ImGui::TextColored(quality_colour(str(p, "quality")), "Link %d to %s: %s, quality %s", static_cast<int>(num(p, "id", 0)),
                       name_of(str(p, "participant")).c_str(), str(p, "state").c_str(), str(p, "quality").c_str());
    std::string pair = str(p, "pair");
    if (auto at = pair.find("\u2192"); at != std::string::npos) pair.replace(at, 3, "->");  // the default font is ASCII
    ImGui::Text("Candidate pair: %s", pair.empty() ? "(not yet)" : pair.c_str());
    const double rtt = num(p, "rttMs"), jitter = num(p, "jitterMs");
    ImGui::Text("RTT %.0f ms   jitter %.1f ms   loss %.1f %%", rtt, jitter, num(p, "lossPct", 0));
    ImGui::Text("in %.1f kbit/s   out %.1f kbit/s   level %.2f", num(p, "kbpsIn", 0), num(p, "kbpsOut", 0), num(p, "level", 0));
    ImGui::Text("packets received %.0f, lost %.0f, sent %.0f", num(p, "packetsReceived", 0), num(p, "packetsLost", 0),
                num(p, "packetsSent", 0));
    const json series = p.value("series", json::object());
    plot("RTT", series.value("rttMs", json::array()), "ms", 50);
    plot("Loss", series.value("lossPct", json::array()), "%", 5);
    plot("Jitter", series.value("jitterMs", json::array()), "ms", 20);
    plot("In", series.value("kbpsIn", json::array()), "kbit/s", 40);
    plot("Out", series.value("kbpsOut", json::array()), "kbit/s", 40);
    ImGui::Separator();
    ImGui::PopID();
    drawn.push_back({{"id", num(p, "id", 0)}, {"quality", str(p, "quality")}, {"pair", str(p, "pair")}, {"rttMs", rtt},
                     {"jitterMs", jitter}, {"lossPct", num(p, "lossPct", 0)}, {"packetsReceived", num(p, "packetsReceived", 0)},
                     {"packetsLost", num(p, "packetsLost", 0)}, {"packetsSent", num(p, "packetsSent", 0)},
                     {"lossSeries", series.value("lossPct", json::array())}});
  }
  shown["peers"] = drawn;
}

void signaling_window(json& shown) {
  const json s = g_view.value("signaling", json::object());
  ImGui::Text("Room link: %s   reconnect attempt %d", str(s, "link").c_str(), static_cast<int>(num(s, "reconnectAttempt", 0)));
  ImGui::TextUnformatted("Warnings (discarded frames):");
  const json w = g_view.value("warnings", json::array());
  if (w.empty()) ImGui::TextDisabled("none");
  for (const auto& x : w) ImGui::BulletText("%s", x.is_string() ? x.get<std::string>().c_str() : "");
  shown["link"] = str(s, "link");
}

void log_window(json& shown) {
  const json log = g_view.value("log", json::array());
  int failures = 0;
  for (auto it = log.rbegin(); it != log.rend(); ++it) {
    const std::string kind = str(*it, "kind");
    if (kind == "failure") ++failures;
    ImGui::TextColored(kind == "failure" ? ImVec4(0.95f, 0.4f, 0.35f, 1) : ImVec4(0.85f, 0.85f, 0.85f, 1), "%s  %-8s %s",
                       ago(num(*it, "at", 0)).c_str(), kind.c_str(), str(*it, "text").c_str());
  }
  if (ImGui::CollapsingHeader("Effect trace")) {
    const json fx = g_view.value("effects", json::array());
    for (auto it = fx.rbegin(); it != fx.rend(); ++it)
      ImGui::Text("%s  %s %s", ago(num(*it, "at", 0)).c_str(), str(*it, "kind").c_str(), str(*it, "text").c_str());
  }
  shown["failures"] = failures;
}

void frame() {
  glfwPollEvents();
  if (g_dirty <= 0) return;
  --g_dirty;
  int w = 0, h = 0;
  glfwGetFramebufferSize(g_window, &w, &h);
  ImGuiIO& io = ImGui::GetIO();
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (io.DeltaTime <= 0) io.DeltaTime = 1.0f / 60;  // headless virtual time can stand still
  ImGui::NewFrame();
  // Two columns on a wide canvas, one below the other on a phone; every window collapses.
  const bool wide = g_width >= 700;
  const float cw = wide ? g_width / 2.f : static_cast<float>(g_width);
  const float rh = wide ? g_height / 2.f : g_height / 4.f;
  json shown = {{"windows", json::array()}};
  struct Win { const char* name; void (*draw)(json&); int col, row; };
  const Win wins[] = {{"Call", call_window, 0, 0}, {"Network", network_window, 1, 0}, {"Signaling", signaling_window, 0, 1},
                      {"Log", log_window, 1, 1}};
  int i = 0;
  for (const auto& win : wins) {
    const ImVec2 pos = wide ? ImVec2(win.col * cw, win.row * rh) : ImVec2(0, i * rh);
    ImGui::SetNextWindowPos(pos, ImGuiCond_Always);
    ImGui::SetNextWindowSize(ImVec2(cw, rh), ImGuiCond_Always);
    if (ImGui::Begin(win.name, nullptr, ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize)) {
      win.draw(shown);
      shown["windows"].push_back(win.name);
    }
    ImGui::End();
    ++i;
  }
  ImGui::Render();
  glViewport(0, 0, w, h);
  glClearColor(0.08f, 0.09f, 0.11f, 0.96f);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
  shown["frames"] = ++g_frames;
  g_shown = std::move(shown);
}

// start(width, height): the canvas (Module.canvas) at this CSS size; the render loop runs from here.
bool start(int width, int height) {
  if (g_window) return true;
  if (!glfwInit()) return false;
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  g_width = width;
  g_height = height;
  g_window = glfwCreateWindow(width, height, "Earshot diagnostics", nullptr, nullptr);
  if (!g_window) return false;
  glfwMakeContextCurrent(g_window);
  // Input asks for a few frames (ImGui settles hover and clicks over two or three); installed before
  // ImGui's backend, which calls them after its own.
  glfwSetCursorPosCallback(g_window, [](GLFWwindow*, double, double) { redraw(); });
  glfwSetMouseButtonCallback(g_window, [](GLFWwindow*, int, int, int) { redraw(); });
  glfwSetScrollCallback(g_window, [](GLFWwindow*, double, double) { redraw(); });
  glfwSetKeyCallback(g_window, [](GLFWwindow*, int, int, int, int) { redraw(); });
  glfwSetCharCallback(g_window, [](GLFWwindow*, unsigned) { redraw(); });
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // nothing to save between visits
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForOpenGL(g_window, true);
  ImGui_ImplOpenGL3_Init("#version 300 es");
  emscripten_set_main_loop(frame, 0, false);
  return true;
}

void resize(int width, int height) {
  g_width = width;
  g_height = height;
  if (g_window) glfwSetWindowSize(g_window, width, height);
  redraw();
}

// update(json): a new diagnostics view; false when it is not JSON (the last good one stays).
bool update(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  g_view = std::move(j);
  redraw(2);
  return true;
}

std::string shown() { return g_shown.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

EMSCRIPTEN_BINDINGS(earshot_diag) {
  emscripten::function("start", &start);
  emscripten::function("resize", &resize);
  emscripten::function("update", &update);
  emscripten::function("shown", &shown);
}
