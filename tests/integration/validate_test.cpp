// `aiir validate` as a user runs it: exit status and located messages.
#include <gtest/gtest.h>

#include "process.h"

namespace aiir {
namespace {

TEST(Validate, ExampleConfigIsValid) {
  testing::TempDir dir;
  auto r = testing::run_command(
      {AIIR_BINARY, "validate", std::string(AIIR_SOURCE_DIR) + "/examples"}, dir.path());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("valid (3 workflows, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" detectors, 2 playbooks, 2 authority rules)"), std::string::npos) << r.out;
}

TEST(Validate, ReportsEveryErrorWithFileLineAndColumnAndExitsOne) {
  testing::TempDir dir;
  testing::write_file(dir.file("cfg/aiir.yaml"), "server:\n  prot: 8080\n");
  testing::write_file(dir.file("cfg/workflows/a.yaml"),
                      "id: a\nname: A\nrisk:\n  customer_exposure: extrenal\n");
  auto r = testing::run_command({AIIR_BINARY, "validate", dir.file("cfg")}, dir.path());
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("aiir.yaml:2:3: unknown key 'prot'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("a.yaml:4:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'external'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace aiir
