// SIGKILL in the middle of a stream of registrations, on both engines: every registration that
// was acknowledged is there after the restart, none is there twice, and the client's retries
// with the same Idempotency-Key get the first answers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "unit/registry/support.hpp"

namespace hub::registry::testing {
namespace {

constexpr int kPeople = 4000;

std::string cnie_of(int i) {
  return "K" + std::to_string(100000 + i);
}

void know_everyone(FakeFacts& facts) {
  for (int i = 0; i < kPeople; ++i) {
    facts.people[cnie_of(i)] =
        facts_with_provenance(person_record(cnie_of(i), "NAME" + std::to_string(i), "First",
                                            i % 2 ? "M" : "F", "1990-01-01"),
                              R"({"person":{"status":"ok"},"family":{"status":"not_found"}})");
  }
}

std::string body_for(int i) {
  return R"({"cnie":")" + cnie_of(i) + R"(","category":"SALARIE","rib":")" + kRib + "\"}";
}

Caller caller_for(int i) {
  Caller c = agent("reg-" + std::to_string(i));
  c.request_hash = "hash-" + std::to_string(i);
  return c;
}

// The child: registers people one after the other, and acknowledges each registration on the
// pipe only once the registry has answered it (as the hub answers the client after the commit).
[[noreturn]] void registrar(const store::Options& options, int ack_fd) {
  auto s = store::open(options);
  if (!s) _exit(3);
  FakeFacts facts;
  know_everyone(facts);
  FixedClock clock(Date{2026, 11, 27});
  Registry registry(**s, facts, clock);
  for (int i = 0; i < kPeople; ++i) {
    auto r = run(registry.register_insured(body_for(i), caller_for(i)));
    if (!r) _exit(4);
    const std::string line =
        std::to_string(i) + " " + json::text(body_of(r), "/immatriculation").value_or("") + "\n";
    if (write(ack_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
  }
  _exit(0);
}

class CrashTest : public RegistryTest {};

TEST_P(CrashTest, KillDuringRegistrationsLosesNoAcknowledgedOneAndDuplicatesNone) {
  // The parent's store is closed while the child writes: the child is the only writer.
  store_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    registrar(db_->options(), fds[1]);
  }
  close(fds[1]);
  std::map<int, std::string> acked;
  std::string pending;
  char buf[4096];
  // Kill after the 60th acknowledgement, in the middle of whatever comes next.
  while (acked.size() < 60) {
    const ssize_t n = read(fds[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "the registrar stopped early";
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      const auto sp = line.find(' ');
      acked[std::stoi(line.substr(0, sp))] = line.substr(sp + 1);
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the registrar must have been killed, not have ended";
  // Acknowledgements written before the kill are still in the pipe.
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
    pending.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
    const std::string line = pending.substr(0, nl);
    pending.erase(0, nl + 1);
    const auto sp = line.find(' ');
    acked[std::stoi(line.substr(0, sp))] = line.substr(sp + 1);
  }

  // Restart: a new process opens the store (SQLite recovers its WAL, PostgreSQL its log).
  auto reopened = store::open(db_->options());
  ASSERT_TRUE(reopened) << reopened.error().message;
  store_ = std::move(*reopened);
  know_everyone(facts_);
  registry_ = std::make_unique<Registry>(*store_, facts_, clock_);
  for (const auto& [i, number] : acked) {
    auto r = registry_->insured_by_cnie(cnie_of(i));
    ASSERT_TRUE(r) << "acknowledged registration " << i << " was lost";
    EXPECT_EQ(json::text(body_of(r), "/immatriculation"), number);
  }
  // The client retries what it sent and got no answer for, with the same keys.
  const int last = acked.rbegin()->first;
  for (int i = 0; i <= last + 2; ++i) {
    auto replay = registry_->replayed(caller_for(i));
    ASSERT_TRUE(replay);
    if (*replay) {
      if (acked.count(i)) {
        EXPECT_EQ(json::text((*replay)->view, "/immatriculation"), acked[i]);
      }
      continue;
    }
    auto r = run(registry_->register_insured(body_for(i), caller_for(i)));
    ASSERT_TRUE(r) << i << ": " << r.error().message;
    EXPECT_FALSE(acked.count(i)) << "an acknowledged registration had no stored answer";
  }
  // One registration per person, no more.
  std::set<std::string> cnies;
  std::size_t records = 0;
  for (std::string after;;) {
    auto page = store_->list_records(std::string(streams::kInsured), after, 500);
    ASSERT_TRUE(page);
    for (const auto& rec : *page) {
      ++records;
      cnies.insert(json::text(*json::parse(rec.state), "/cnie").value_or(""));
      after = rec.stream;
    }
    if (page->size() < 500) break;
  }
  EXPECT_EQ(records, cnies.size()) << "a person was registered twice";
  EXPECT_EQ(records, static_cast<std::size_t>(last + 3));
}

INSTANTIATE_TEST_SUITE_P(Engines, CrashTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace hub::registry::testing
