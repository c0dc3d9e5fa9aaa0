// How a node serves the store's published mappings (docs/workbench.md, "Every node serves the
// latest set"): a thread reads the store's `mapping-set` version every `interval`; when it moved,
// it loads the latest version of every mapping and code table, compiles the mappings against the
// tables of the same set and runs their golden cases off the request path, and swaps the
// catalog's snapshot (which holds both) only when all passed. A set that fails keeps the
// previous one serving and is logged; it is not tried again until the set moves again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "hub/mapping/engine.hpp"
#include "hub/store/store.hpp"

namespace hub::workbench {

class Follower {
 public:
  // base: the folder whose canonical/ and tables/ the stored mappings compile against.
  Follower(store::Store& store, mapping::Catalog& catalog, std::filesystem::path base,
           std::chrono::milliseconds interval);
  ~Follower();
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // One check, on the caller's thread: true when a new set was swapped in; an error when the
  // store could not be read or the set did not compile or pass its cases (previous kept).
  Result<bool> poll_once();
  void start();
  void stop();
  // mapping id -> the stored version this node serves.
  std::map<std::string, std::int64_t> served() const;

 private:
  store::Store& store_;
  mapping::Catalog& catalog_;
  const std::filesystem::path base_;
  const std::chrono::milliseconds interval_;
  std::int64_t seen_ = -1;  // the set version last tried (poll_once's thread only)
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::int64_t> served_;
  std::thread thread_;
};

}  // namespace hub::workbench
