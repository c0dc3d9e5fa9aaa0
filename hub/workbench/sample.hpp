// The replay sample (docs/workbench.md, "The replay sample: a privacy rule"): the last N answers
// each partner really gave (answers to the hub's requests, events it pushed), per mapping, kept
// in this process's memory only. They are never written to disk, the store or the logs, are not
// shared between nodes, and are gone at restart; a replay reads them and keeps nothing. N is
// `workbench.replay_sample` (0: keep none).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace hub::workbench {

class AnswerSample {
 public:
  explicit AnswerSample(std::size_t per_mapping) : per_mapping_(per_mapping) {}
  // Thread-safe; the oldest answer of the mapping goes when it holds N.
  void keep(std::string_view mapping_id, std::string_view body);
  // A copy of the mapping's answers, oldest first.
  std::vector<std::string> answers(std::string_view mapping_id) const;
  std::size_t per_mapping() const { return per_mapping_; }

 private:
  const std::size_t per_mapping_;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<std::string>, std::less<>> answers_;
};

}  // namespace hub::workbench
