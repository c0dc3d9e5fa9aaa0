// The mapping workbench over HTTP on the internal listener (issue 13; docs/openapi/workbench.yaml;
// the actions in hub/workbench/workbench.hpp): /admin/v1/mappings... and /admin/v1/drafts...
// Reading needs the role mapping_author or mapping_approver; drafting mapping_author; approving,
// rejecting and rolling back mapping_approver. Every action that changes something, refused or
// not, is appended to the audit journal (operation `workbench.<action>`, the principal, the
// mapping, the outcome) and answered once that entry is durable.
#pragma once

#include "hub/audit/journal.hpp"
#include "hub/http/router.hpp"
#include "hub/registry/store_pool.hpp"
#include "hub/workbench/workbench.hpp"

namespace hub::api {

struct WorkbenchRoutes {
  workbench::Workbench* workbench = nullptr;
  registry::StorePool* pool = nullptr;  // the workbench's calls compile: not on the I/O threads
  audit::Journal* journal = nullptr;
};

void add_workbench_routes(http::Router& router, WorkbenchRoutes routes);

}  // namespace hub::api
