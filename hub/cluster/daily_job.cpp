#include "hub/cluster/daily_job.hpp"

#include "hub/cluster/lease.hpp"
#include "hub/core/log.hpp"
#include "hub/registry/json.hpp"

namespace hub::cluster {
namespace json = registry::json;

namespace {

// The lease's progress: {"day", "after", "done"}.
struct Progress {
  std::string day;
  std::string after;
  bool done = false;
};

Progress read_progress(const std::string& text) {
  Progress p;
  auto d = json::parse(text.empty() ? "{}" : text);
  if (!d) return p;
  p.day = json::text(*d, "/day").value_or("");
  p.after = json::text(*d, "/after").value_or("");
  p.done = json::flag(*d, "/done");
  return p;
}

std::string write_progress(const Progress& p) {
  auto d = json::object();
  json::set_string(d, "/day", p.day);
  json::set_string(d, "/after", p.after);
  d.AddMember("done", p.done, d.GetAllocator());
  return json::dump(d);
}

}  // namespace

DailyJob::DailyJob(store::Store& store, const registry::Clock& clock, DailyJobOptions options,
                   DailyWork work)
    : store_(store), clock_(clock), options_(std::move(options)), work_(std::move(work)) {}

Result<void> DailyJob::record(const std::string& day, const std::string& type,
                              const std::string& data) {
  const std::string stream = "job-run/" + options_.name + "/" + day;
  auto existing = store_.read_record(stream);
  if (!existing) return existing.error();
  const std::int64_t version = *existing ? (*existing)->version : 0;
  store::RecordEvent e;
  e.version = version + 1;
  e.type = type;
  e.time_ms = clock_.now_ms();
  e.principal = "system:job";
  e.source = "job:" + options_.name;
  e.correlation_id = options_.name + "-" + day;
  e.data = data;
  store::StreamWrite w;
  w.stream = stream;
  w.kind = "job_run";
  w.expected_version = version;
  w.events.push_back(std::move(e));
  w.state = data;
  w.label = type == "job.finished" ? "finished" : "started";
  store::RecordCommit c;
  c.writes.push_back(std::move(w));
  return store_.commit_records(c);
}

Result<std::optional<DailyRun>> DailyJob::tick() {
  const std::string day = registry::format_date(clock_.today());
  auto taken = Lease::take(store_, "job:" + options_.name, options_.owner, options_.ttl);
  if (!taken) return taken.error();
  if (!*taken) return std::optional<DailyRun>();  // another node runs it
  Lease& lease = **taken;
  Progress p = read_progress(lease.progress());
  // A node whose clock is behind (around midnight, or a simulated clock not re-read yet) never
  // runs again a day already begun by another.
  if (p.day > day || (p.day == day && p.done)) {
    (void)lease.release(lease.progress());
    return std::optional<DailyRun>(DailyRun{day, 0, "", true, true});
  }
  // The same day: continue from the last checkpoint; a new day: from the start.
  DailyRun run{day, 0, p.day == day ? p.after : "", false};
  p = Progress{day, run.resumed_from, false};

  auto started = json::object();
  json::set_string(started, "/owner", options_.owner);
  json::set_string(started, "/from", run.resumed_from);
  started.AddMember("fence", static_cast<int64_t>(lease.fence()), started.GetAllocator());
  if (auto r = record(day, "job.started", json::dump(started)); !r) {
    (void)lease.release(write_progress(p));
    return r.error();
  }
  bool lost = false;
  auto changes = work_(run.resumed_from, [&](const std::string& cursor) {
    p.after = cursor;
    auto c = lease.checkpoint(write_progress(p));
    if (!c) {
      lost = true;
      log::warn("daily job stopped: its lease could not be renewed",
                {{"job", options_.name}, {"error", c.error().message}});
    }
    return !lost;
  });
  if (!changes) {
    if (!lost) (void)lease.release(write_progress(p));
    return changes.error();
  }
  run.changes = *changes;
  if (lost) return std::optional<DailyRun>(run);
  auto finished = json::object();
  json::set_string(finished, "/owner", options_.owner);
  finished.AddMember("changes", run.changes, finished.GetAllocator());
  finished.AddMember("fence", static_cast<int64_t>(lease.fence()), finished.GetAllocator());
  if (auto r = record(day, "job.finished", json::dump(finished)); !r) {
    (void)lease.release(write_progress(p));
    return r.error();
  }
  p.done = true;
  run.finished = true;
  if (auto r = lease.release(write_progress(p)); !r) return r.error();
  return std::optional<DailyRun>(run);
}

}  // namespace hub::cluster
