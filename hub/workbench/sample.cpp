#include "hub/workbench/sample.hpp"

namespace hub::workbench {

void AnswerSample::keep(std::string_view mapping_id, std::string_view body) {
  if (per_mapping_ == 0) return;
  std::lock_guard lock(mutex_);
  auto it = answers_.find(mapping_id);
  if (it == answers_.end())
    it = answers_.emplace(std::string(mapping_id), std::deque<std::string>{}).first;
  if (it->second.size() >= per_mapping_) it->second.pop_front();
  it->second.emplace_back(body);
}

std::vector<std::string> AnswerSample::answers(std::string_view mapping_id) const {
  std::lock_guard lock(mutex_);
  auto it = answers_.find(mapping_id);
  if (it == answers_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace hub::workbench
