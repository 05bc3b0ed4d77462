#include "core/yaml_reader.h"

#include <gtest/gtest.h>

namespace aiir::core {
namespace {

TEST(ClosestMatch, SuggestsOnlyCloseKeys) {
  EXPECT_EQ(closest_match("prot", {"port", "path"}), "port");
  EXPECT_EQ(closest_match("listen_adress", {"listen_address", "port"}), "listen_address");
  EXPECT_EQ(closest_match("completely_different", {"port"}), "");
}

TEST(MapReader, AbsentKeysAreNotErrorsAndNullMeansAbsent) {
  Diagnostics diags;
  auto node = load_yaml_text("a: 1\nb: ~\n", "f.yaml", diags);
  ASSERT_TRUE(node);
  MapReader r(*node, "f.yaml", diags, "thing");
  EXPECT_EQ(r.integer("a", 0, 10), 1);
  EXPECT_FALSE(r.string("b"));
  EXPECT_FALSE(r.string("c"));
  EXPECT_FALSE(r.node("d").IsDefined());
  r.finish();
  EXPECT_TRUE(diags.empty()) << diags.to_string();
}

TEST(MapReader, TypeAndRangeErrorsAreLocated) {
  Diagnostics diags;
  auto node = load_yaml_text("n: 11\nflag: maybe\nlist: {a: 1}\n", "f.yaml", diags);
  ASSERT_TRUE(node);
  MapReader r(*node, "f.yaml", diags, "thing");
  EXPECT_FALSE(r.integer("n", 0, 10));
  EXPECT_FALSE(r.boolean("flag"));
  EXPECT_FALSE(r.strings("list"));
  r.finish();
  ASSERT_EQ(diags.size(), 3u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].line, 1);
  EXPECT_EQ(diags.items()[0].column, 4);
  EXPECT_EQ(diags.items()[1].line, 2);
  EXPECT_NE(diags.items()[1].message.find("true or false"), std::string::npos);
  EXPECT_EQ(diags.items()[2].line, 3);
}

TEST(MapReader, RepeatedKeyIsReportedAtTheRepeatNamingTheFirst) {
  // A YAML parser keeps the first of two equal keys: the second value would vanish unnoticed.
  Diagnostics diags;
  auto node = load_yaml_text("port: 1\nname: x\nport: 2\n", "f.yaml", diags);
  ASSERT_TRUE(node);
  MapReader r(*node, "f.yaml", diags, "server");
  r.integer("port", 0, 10);
  r.string("name");
  r.finish();
  ASSERT_EQ(diags.size(), 1u) << diags.to_string();
  EXPECT_EQ(diags.items()[0].line, 3);
  EXPECT_NE(diags.items()[0].message.find("'port' is given twice (first at line 1)"),
            std::string::npos)
      << diags.items()[0].message;
}

TEST(MapReader, NonMappingIsReportedOnce) {
  Diagnostics diags;
  auto node = load_yaml_text("- a\n- b\n", "f.yaml", diags);
  ASSERT_TRUE(node);
  MapReader r(*node, "f.yaml", diags, "server");
  EXPECT_FALSE(r.valid());
  EXPECT_FALSE(r.string("x", true));
  r.finish();
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags.items()[0].message.find("server must be a mapping"), std::string::npos);
}

}  // namespace
}  // namespace aiir::core
