#include "hub/core/process.hpp"

#include <malloc.h>
#include <sys/resource.h>

namespace hub::process {

std::size_t raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return static_cast<std::size_t>(r.rlim_cur);
}

void return_free_memory() {
  malloc_trim(0);
}

}  // namespace hub::process
