#include "hub/config/config.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "hub/config/agreements.hpp"
#include "hub/config/audit.hpp"
#include "hub/config/principals.hpp"
#include "hub/config/yaml_reader.hpp"

namespace hub::config {
namespace fs = std::filesystem;

namespace {

const std::set<std::string, std::less<>> kInterfaces = {"registration", "partner", "admin",
                                                        "ops",          "web",     "feed"};

void read_tls_server(MapReader& m, TlsServer& t) {
  m.file("certificate", t.certificate, true);
  m.file("key", t.key, true);
  m.files("client_ca", t.client_ca, true);
  m.files("crl", t.crl);
}

// A part (the pre-handshake budget) over its whole (all connections): refused where this map
// sets it; a default or inherited value is lowered to the whole instead.
template <class T>
void keep_within(ReadContext& ctx, MapReader& m, std::string_view part, T& part_value,
                 std::string_view whole, T whole_value, const std::string& shown) {
  if (part_value <= whole_value) return;
  if (!m.has(part)) {
    part_value = whole_value;
    return;
  }
  ctx.problem(m.node()[std::string(part)], m.path() + "/" + std::string(part), "invalid_value",
              std::string(part) + " is over " + std::string(whole) + " (" + shown + ")");
}

// The connection keys of limits: and of a listener's own limits: (over the inherited values).
void read_connection_limits(ReadContext& ctx, MapReader& m, ConnectionLimits& c,
                            std::chrono::milliseconds handshake_timeout) {
  m.size("max_connections", c.max_connections, 1, 1'000'000);
  m.size("max_pre_handshake_connections", c.max_pre_handshake, 1, 1'000'000);
  m.size("max_connections_per_address", c.max_connections_per_address, 1, 1'000'000);
  m.size("max_pre_handshake_per_address", c.max_pre_handshake_per_address, 1, 1'000'000);
  m.millis("first_byte_timeout_ms", c.first_byte_timeout, 10, 600'000);
  keep_within(ctx, m, "max_pre_handshake_connections", c.max_pre_handshake, "max_connections",
              c.max_connections, std::to_string(c.max_connections));
  keep_within(ctx, m, "max_pre_handshake_per_address", c.max_pre_handshake_per_address,
              "max_connections_per_address", c.max_connections_per_address,
              std::to_string(c.max_connections_per_address));
  // Both count from the same accept: the handshake's time includes the wait for its first byte.
  keep_within(ctx, m, "first_byte_timeout_ms", c.first_byte_timeout, "handshake_timeout_ms",
              handshake_timeout, std::to_string(handshake_timeout.count()) + " ms");
}

void read_listeners(ReadContext& ctx, MapReader& root, HubConfig& c) {
  std::set<std::string> names;
  std::set<std::pair<std::string, std::uint16_t>> endpoints;
  for (auto& [node, path] : root.sequence("listeners", true)) {
    MapReader m(ctx, node, path);
    if (!m.valid()) continue;
    Listener l;
    m.string("name", l.name, true);
    m.string("address", l.address);
    m.port("port", l.port, true);
    m.strings("interfaces", l.interfaces, true);
    l.connections = c.limits.connections;
    if (auto own = m.map("limits")) {
      read_connection_limits(ctx, *own, l.connections, c.limits.handshake_timeout);
    }
    for (std::size_t i = 0; i < l.interfaces.size(); ++i) {
      if (!kInterfaces.contains(l.interfaces[i])) {
        ctx.problem(
            node["interfaces"][i], path + "/interfaces/" + std::to_string(i), "invalid_value",
            "'" + l.interfaces[i] + "' is not one of: admin, ops, partner, registration, web");
      } else if (l.interfaces[i] == "web" && c.web_dir.empty()) {
        ctx.problem(node["interfaces"][i], path + "/interfaces/" + std::to_string(i),
                    "missing_value", "the web interface serves hub.web_dir, which is not set");
      }
    }
    if (auto tls = m.map("tls", true)) {
      read_tls_server(*tls, l.tls);
      // An empty trust list would refuse every client: say so rather than start a useless listener.
      if (l.tls.client_ca.empty() && tls->has("client_ca")) {
        ctx.problem(node["tls"]["client_ca"], path + "/tls/client_ca", "invalid_value",
                    "at least one client CA is needed: every interface is mutual TLS");
      }
    }
    if (!l.name.empty() && !names.insert(l.name).second) {
      ctx.problem(node["name"], path + "/name", "duplicate",
                  "listener name '" + l.name + "' is used twice");
    }
    if (l.port != 0 && !endpoints.emplace(l.address, l.port).second) {
      ctx.problem(node["port"], path + "/port", "duplicate",
                  l.address + ":" + std::to_string(l.port) + " is used by two listeners");
    }
    c.listeners.push_back(std::move(l));
  }
  if (root.has("listeners") && c.listeners.empty() && root.node()["listeners"].IsSequence()) {
    ctx.problem(root.node()["listeners"], "/listeners", "invalid_value",
                "at least one listener is needed");
  }
}

void read_limits(ReadContext& ctx, MapReader& root, Limits& l) {
  auto m = root.map("limits");
  if (!m) return;
  m->size("max_header_bytes", l.max_header_bytes, 1024, 1024 * 1024);
  m->size("max_body_bytes", l.max_body_bytes, 1024, 256 * 1024 * 1024);
  m->millis("read_timeout_ms", l.read_timeout, 10, 600'000);
  m->millis("idle_timeout_ms", l.idle_timeout, 10, 3'600'000);
  m->millis("write_timeout_ms", l.write_timeout, 10, 600'000);
  m->millis("handshake_timeout_ms", l.handshake_timeout, 10, 600'000);
  read_connection_limits(ctx, *m, l.connections, l.handshake_timeout);
}

void read_store(ReadContext& ctx, MapReader& root, Store& s) {
  auto m = root.map("store", true);
  if (!m) return;
  m->one_of("engine", s.engine, {"sqlite", "postgresql"}, true);
  m->directory("path", s.path);
  m->string("url", s.url);
  m->size("pool_size", s.pool_size, 1, 1024);
  if (s.engine == "sqlite" && s.path.empty()) {
    ctx.problem(m->node(), "/store/path", "missing_key", "the sqlite engine needs 'path'");
  }
  if (s.engine == "postgresql" && s.url.empty()) {
    ctx.problem(m->node(), "/store/url", "missing_key", "the postgresql engine needs 'url'");
  }
}

void read_partners(ReadContext& ctx, MapReader& root, HubConfig& c) {
  for (auto& [name, m] : root.named_maps("partners")) {
    if (!m.valid()) continue;
    PartnerEndpoint p;
    p.name = name;
    p.adapter = name;
    m.string("adapter", p.adapter);
    m.string("base_url", p.base_url, true);
    if (!p.base_url.empty() && p.base_url.rfind("https://", 0) != 0) {
      ctx.problem(m.node()["base_url"], m.path() + "/base_url", "invalid_value",
                  "partners are reached over mutual TLS only: the URL must start with https://");
    }
    m.string("server_name", p.server_name);
    m.file("ca", p.ca, true);
    m.file("certificate", p.certificate, true);
    m.file("key", p.key, true);
    m.size("max_connections", p.max_connections, 1, 10'000);
    m.millis("connect_timeout_ms", p.connect_timeout, 1, 600'000);
    m.millis("request_timeout_ms", p.request_timeout, 1, 600'000);
    m.size("max_response_bytes", p.max_response_bytes, 1024, 256 * 1024 * 1024);
    m.strings("purposes", p.purposes);
    if (auto o = m.map("options")) {
      for (auto it = o->node().begin(); it != o->node().end(); ++it) {
        std::string v;
        o->string(it->first.Scalar(), v);
        p.options[it->first.Scalar()] = v;
      }
    }
    if (auto b = m.map("breaker")) {
      b->number("failure_ratio", p.breaker.failure_ratio, 0.01, 1);
      b->size("window", p.breaker.window, 1, 10'000);
      b->size("min_calls", p.breaker.min_calls, 1, 10'000);
      b->millis("open_ms", p.breaker.open_for, 1, 3'600'000);
      b->size("half_open_probes", p.breaker.half_open_probes, 1, 1000);
    }
    if (auto r = m.map("retry")) {
      r->size("max_attempts", p.retry.max_attempts, 1, 10);
      r->millis("base_ms", p.retry.base, 1, 60'000);
      r->millis("max_ms", p.retry.max, 1, 60'000);
    }
    if (auto ca = m.map("cache")) {
      std::size_t ttl = static_cast<std::size_t>(p.cache.ttl.count());
      std::size_t grace = static_cast<std::size_t>(p.cache.stale_grace.count());
      ca->size("ttl_s", ttl, 0, 365 * 86'400);
      ca->size("stale_grace_s", grace, 0, 365 * 86'400);
      ca->size("max_entries", p.cache.max_entries, 0, 100'000'000);
      std::size_t mb = p.cache.max_bytes >> 20;
      ca->size("max_mb", mb, 0, 1'000'000);
      p.cache.max_bytes = mb << 20;
      p.cache.ttl = std::chrono::seconds(ttl);
      p.cache.stale_grace = std::chrono::seconds(grace);
      if (auto ops = ca->map("ttl_by_operation")) {
        for (auto it = ops->node().begin(); it != ops->node().end(); ++it) {
          std::size_t v = 0;
          ops->size(it->first.Scalar(), v, 0, 365 * 86'400, true);
          p.cache.ttl_by_operation[it->first.Scalar()] = std::chrono::seconds(v);
        }
      }
    }
    if (auto rl = m.map("rate_limit")) {
      rl->number("per_second", p.rate_limit.per_second, 0, 1e9, true);
      rl->number("burst", p.rate_limit.burst, 1, 1e9, true);
      rl->size("batch", p.rate_limit.batch, 1, 10'000);
      rl->millis("lease_ms", p.rate_limit.lease, 50, 10'000);
    }
    c.partners.push_back(std::move(p));
  }
}

void read_exchange(ReadContext& ctx, MapReader& root, HubConfig& c) {
  auto ex = root.map("exchange");
  if (!ex) return;
  ex->millis("deadline_ms", c.exchange.deadline, 10, 600'000);
  for (auto& [name, rm] : ex->named_maps("recipes")) {
    if (!rm.valid()) continue;
    Recipe recipe;
    recipe.name = name;
    std::set<std::string> names;
    for (auto& [node, path] : rm.sequence("steps", true)) {
      MapReader sm(ctx, node, path);
      if (!sm.valid()) continue;
      RecipeStep st;
      sm.string("partner", st.partner, true);
      sm.string("operation", st.operation, true);
      sm.string("mapping", st.mapping, true);
      sm.string("as", st.as, true);
      sm.strings("only_for_categories", st.only_for_categories);
      if (auto pm = sm.map("params", true)) {
        for (auto it = pm->node().begin(); it != pm->node().end(); ++it) {
          std::string v;
          pm->string(it->first.Scalar(), v, true);
          st.params[it->first.Scalar()] = v;
        }
      }
      bool known = false;
      for (const auto& p : c.partners) known = known || p.name == st.partner;
      if (!st.partner.empty() && !known) {
        ctx.problem(node["partner"], path + "/partner", "invalid_value",
                    "no partner named '" + st.partner + "' under partners:");
      }
      if (!st.as.empty() && !names.insert(st.as).second) {
        ctx.problem(node["as"], path + "/as", "duplicate", "two steps are named '" + st.as + "'");
      }
      recipe.steps.push_back(std::move(st));
    }
    for (auto& [node, path] : rm.sequence("conflicts")) {
      MapReader cm(ctx, node, path);
      if (!cm.valid()) continue;
      ConflictRule rule;
      cm.string("field", rule.field, true);
      cm.strings("values", rule.values, true);
      for (std::size_t i = 0; i < rule.values.size(); ++i) {
        const auto colon = rule.values[i].find(':');
        const std::string step = rule.values[i].substr(0, colon);
        if (colon == std::string::npos || !names.contains(step)) {
          ctx.problem(
              node["values"][i], path + "/values/" + std::to_string(i), "invalid_value",
              "'" + rule.values[i] + "' must be STEP:/json/pointer with a step of this recipe");
        }
      }
      recipe.conflicts.push_back(std::move(rule));
    }
    c.exchange.recipes[name] = std::move(recipe);
  }
}

void read_events(ReadContext& ctx, MapReader& root, HubConfig& c) {
  auto ev = root.map("events");
  if (!ev) return;
  ev->millis("retry_every_ms", c.events.retry_every, 100, 86'400'000);
  ev->size("await_days", c.events.await_days, 1, 3650);
  std::set<std::string> principals;
  for (auto& [name, sm] : ev->named_maps("sources")) {
    if (!sm.valid()) continue;
    EventSource s;
    s.partner = name;
    sm.string("principal", s.principal, true);
    sm.string("mapping", s.mapping, true);
    if (!s.principal.empty()) {
      bool known = false;
      for (const auto& p : c.principals) known = known || p.name == s.principal;
      if (!known) {
        ctx.problem(sm.node()["principal"], "/events/sources/" + name + "/principal",
                    "invalid_value", "no principal named '" + s.principal + "' under principals:");
      } else if (!principals.insert(s.principal).second) {
        ctx.problem(sm.node()["principal"], "/events/sources/" + name + "/principal", "duplicate",
                    "principal '" + s.principal + "' already pushes the events of another source");
      }
    }
    c.events.sources.push_back(std::move(s));
  }
}

void read_feed(ReadContext&, MapReader& root, HubConfig& c) {
  auto f = root.map("feed");
  if (!f) return;
  f->millis("retention_ms", c.feed.retention, 1'000, 10LL * 366 * 86'400'000);
  f->millis("prune_every_ms", c.feed.prune_every, 1'000, 86'400'000);
  f->millis("max_wait_ms", c.feed.max_wait, 0, 300'000);
  f->millis("poll_ms", c.feed.poll, 10, 60'000);
  f->size("max_limit", c.feed.max_limit, 1, 10'000);
  // The consumers and what they see are agreements now (docs/feed.md): say so, not "unknown key".
  f->retired("consumers",
             "feed.consumers was replaced by agreements: give each consumer an agreement listing "
             "the resources person, insured, family or employer and their fields (docs/feed.md, "
             "\"What a consumer sees\")");
}

LoadResult parse_impl(const std::string& text, const std::string& name, const std::string& base_dir,
                      bool check_files) {
  LoadResult out;
  ReadContext ctx(name, base_dir, check_files);
  auto doc = ctx.parse(text);
  if (!doc) {
    out.problems = std::move(ctx.problems());
    return out;
  }
  HubConfig c;
  c.source_file = name;
  {
    MapReader root(ctx, *doc, "");
    if (root.valid()) {
      if (auto hub = root.map("hub", true)) {
        hub->size("threads", c.threads, 1, 256);
        hub->directory("data_dir", c.data_dir, true);
        hub->directory("mappings_dir", c.mappings_dir);
        hub->one_of("mappings_from", c.mappings_from, {"files", "store"});
        hub->directory("web_dir", c.web_dir);
        if (!c.web_dir.empty() && ctx.check_files() && !fs::is_directory(c.web_dir)) {
          ctx.problem(
              hub->node()["web_dir"], "/hub/web_dir", "file_not_found",
              "no such folder: " + c.web_dir + " (the pages are built by: ninja -C build web)");
        }
        hub->one_of("log_level", c.log_level, {"debug", "info", "warn", "error"});
      }
      read_limits(ctx, root, c.limits);  // first: listeners start from its connection limits
      read_listeners(ctx, root, c);
      read_store(ctx, root, c.store);
      read_partners(ctx, root, c);
      read_principals(ctx, root, c);
      read_exchange(ctx, root, c);
      read_events(ctx, root, c);
      read_audit(ctx, root, c.audit);
      read_journal(ctx, root, c.journal);
      if (auto t = root.map("testing")) t->string("clock_offset_file", c.testing_clock_offset_file);
      if (auto ag = root.map("agreements"))
        read_agreement_map(ctx, *ag, c.principals, c.agreements);
      read_feed(ctx, root, c);
      if (auto j = root.map("jobs")) {
        j->size("concurrency", c.jobs.concurrency, 1, 1'024);
        j->size("batch", c.jobs.batch, 1, 10'000);
        j->size("max_lines", c.jobs.max_lines, 1, 50'000'000);
        j->size("max_upload_bytes", c.jobs.max_upload_bytes, 1024, std::size_t{1} << 34);
        j->size("retention_days", c.jobs.retention_days, 1, 3'660);
        j->millis("sweep_ms", c.jobs.sweep, 100, 86'400'000);
        j->millis("lease_ttl_ms", c.jobs.lease_ttl, 1'000, 600'000);
        j->millis("poll_ms", c.jobs.poll, 10, 60'000);
        j->number("reserve", c.jobs.reserve, 0.0, 0.5);
      }
      if (auto w = root.map("workbench")) {
        w->size("replay_sample", c.workbench.replay_sample, 0, 100'000);
        w->millis("poll_ms", c.workbench.poll, 10, 1'000);
      }
    }
  }
  out.problems = std::move(ctx.problems());
  c.positions = std::move(ctx.positions());
  if (out.problems.empty()) out.config = std::move(c);
  return out;
}

}  // namespace

LoadResult parse_hub_config(const std::string& text, const std::string& name,
                            const std::string& base_dir, bool check_files) {
  return parse_impl(text, name, base_dir, check_files);
}

LoadResult load_hub_config(const std::string& file, bool check_files) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.problems.push_back(Problem{file, 1, 1, "", "file_not_found", "cannot read " + file});
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const fs::path abs = fs::absolute(file).lexically_normal();
  return parse_impl(ss.str(), file, abs.parent_path().string(), check_files);
}

std::vector<std::string> interface_names() {
  return {kInterfaces.begin(), kInterfaces.end()};
}

}  // namespace hub::config
