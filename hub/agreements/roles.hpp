// The role an agreement's principal needs for its resources to reach it: an agreement names what
// a principal may read, its role opens the route it reads by (hub/http/router.hpp). An agreement
// whose principal lacks that role could never be used, and says so at validation rather than as
// 403s later (docs/agreements.md, "Principals and roles").
#pragma once

#include <string_view>
#include <vector>

#include "hub/agreements/agreement.hpp"
#include "hub/config/config.hpp"

namespace hub::agreements {

// The partner API's resources are read with the role `partner` (hub/api/partner_reads.hpp), the
// change feed's with the role `feed` (hub/api/feed_routes.hpp).
inline constexpr std::string_view kPartnerRole = "partner";
inline constexpr std::string_view kFeedRole = "feed";

// Every agreement whose principal (one of `principals`) lacks the role one of its resources needs:
// code principal_without_role, at the agreement's `principal` (line, column, key path). A
// principal `principals` does not name, and an unknown resource, are other checks' problems.
std::vector<config::Problem> check_roles(const std::vector<Agreement>& agreements,
                                         const std::vector<config::Principal>& principals);

}  // namespace hub::agreements
