// `cnss-hub mapping export --config FILE DIR`: writes the store's published mappings (the latest
// version of each, with its golden cases) to DIR in the layout of mappings/, with the configured
// canonical/ and tables/, so that the set can be kept under version control and checked with
// `cnss-hub mapping check DIR`. argv[0] is "export".
#pragma once

namespace hub::workbench {

int run_export_cli(int argc, char** argv);

}  // namespace hub::workbench
