#include "hub/store/store.hpp"

namespace hub::store {

Result<std::unique_ptr<Store>> open_sqlite(const Options& o);
Result<std::unique_ptr<Store>> open_postgres(const Options& o);

Result<std::unique_ptr<Store>> open(const Options& o) {
  if (o.engine == "sqlite") return open_sqlite(o);
  if (o.engine == "postgresql") return open_postgres(o);
  return make_error(Errc::internal, "unknown store engine '" + o.engine + "'", "store_error");
}

}  // namespace hub::store
