// Registry lookup, scopes, building from configs and the errors users see.
#include <gtest/gtest.h>

#include "mmcpp/config/config.h"
#include "mmcpp/registry/registry.h"

namespace mmcpp::registry {
namespace {

using config::Config;
using config::Value;

struct Widget {
  virtual ~Widget() = default;
  std::string kind;
  std::int64_t size = 0;
  double ratio = 0;
};

struct Gear : Widget {
  static std::shared_ptr<Gear> from_config(BuildArgs& a) {
    auto g = std::make_shared<Gear>();
    g->kind = "Gear";
    g->size = a.get_int("size", 3);
    g->ratio = a.get_float("ratio", 0.5);
    return g;
  }
};

// The package's own Gear (another default), to tell the two registries apart.
struct BigGear : Widget {
  static std::shared_ptr<BigGear> from_config(BuildArgs& a) {
    auto g = std::make_shared<BigGear>();
    g->kind = "BigGear";
    g->size = a.get_int("size", 7);
    return g;
  }
};

struct Spring : Widget {
  static std::shared_ptr<Spring> from_config(BuildArgs& a) {
    auto s = std::make_shared<Spring>();
    s->kind = "Spring:" + a.get_str("material", "steel");
    return s;
  }
};

Value cfg(const std::string& text) {
  return Config::fromstring("x = " + text, ".py").get("x")->deep_copy();
}

// A private tree: root "mmengine" with a child "mmpretrain".
struct Trees {
  Registry<Widget> root{"widget", "mmengine", nullptr};
  Registry<Widget> child{"widget", "mmpretrain", &root};
  Trees() {
    register_component<Gear>(root, "Gear", "dict(type='Gear')", __FILE__);
    register_component<Spring>(child, "Spring", "dict(type='Spring')", __FILE__);
    register_component<BigGear>(child, "Gear", "dict(type='Gear')", __FILE__);
  }
};

TEST(Registry, BuildsWithDefaultsAndArguments) {
  Trees t;
  auto g = t.root.build(cfg("dict(type='Gear', size=5)"));
  EXPECT_EQ(g->kind, "Gear");
  EXPECT_EQ(g->size, 5);
  EXPECT_DOUBLE_EQ(g->ratio, 0.5);
}

TEST(Registry, DefaultArgsFillMissingKeysOnly) {
  Trees t;
  auto g = t.root.build(cfg("dict(size=5)"), cfg("dict(type='Gear', size=9, ratio=2.0)"));
  EXPECT_EQ(g->size, 5);
  EXPECT_DOUBLE_EQ(g->ratio, 2.0);
}

TEST(Registry, UnknownKeyIsRejectedNamingComponentKeyAndKnownKeys) {
  Trees t;
  try {
    t.root.build(cfg("dict(type='Gear', sise=5)"));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.kind(), "TypeError");
    EXPECT_NE(m.find("Gear"), std::string::npos) << m;
    EXPECT_NE(m.find("'sise'"), std::string::npos) << m;
    EXPECT_NE(m.find("Did you mean 'size'"), std::string::npos) << m;
    EXPECT_NE(m.find("ratio"), std::string::npos) << m;
  }
}

TEST(Registry, UnknownTypeSuggestsClosestNames) {
  Trees t;
  try {
    t.root.build(cfg("dict(type='Gaer')"));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(m.find("Gaer is not in the"), std::string::npos) << m;
    EXPECT_NE(m.find("Did you mean: Gear"), std::string::npos) << m;
  }
}

TEST(Registry, MissingTypeIsAKeyError) {
  Trees t;
  try {
    t.root.build(cfg("dict(size=1)"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), "KeyError");
    EXPECT_NE(std::string(e.what()).find("\"type\""), std::string::npos);
  }
}

TEST(Registry, DuplicateRegistrationIsAKeyErrorUnlessForced) {
  Trees t;
  EXPECT_THROW(register_component<Gear>(t.root, "Gear", "", __FILE__), Error);
  t.root.add_factory(
      "Gear", [](BuildArgs& a) -> std::shared_ptr<Widget> { return Spring::from_config(a); }, "",
      __FILE__, /*force=*/true);
  EXPECT_EQ(t.root.build(cfg("dict(type='Gear')"))->kind, "Spring:steel");
}

TEST(Registry, DefaultScopeSearchesThatPackageFirstThenItsParents) {
  Trees t;
  {
    ScopeGuard scope("mmengine");
    EXPECT_EQ(t.root.build(cfg("dict(type='Gear')"))->size, 3);
    // Not in the root: found in no registry above the root.
    EXPECT_THROW(t.root.build(cfg("dict(type='Spring')")), Error);
  }
  {
    ScopeGuard scope("mmpretrain");
    EXPECT_EQ(t.root.build(cfg("dict(type='Gear')"))->size, 7);  // the child's Gear wins
    EXPECT_EQ(t.root.build(cfg("dict(type='Spring')"))->kind, "Spring:steel");
  }
}

TEST(Registry, ScopedAndDottedImportNames) {
  Trees t;
  ScopeGuard scope("mmengine");
  EXPECT_EQ(t.root.build(cfg("dict(type='mmpretrain.Spring')"))->kind, "Spring:steel");
  EXPECT_EQ(t.root.build(cfg("dict(type='mmengine.Gear')"))->size, 3);
  // Pure-Python configs write import paths.
  EXPECT_EQ(t.root.build(cfg("dict(type='mmpretrain.models.Spring', material='brass')"))->kind,
            "Spring:brass");
  EXPECT_EQ(t.root.build(cfg("dict(type='torch.optim.Gear')"))->size, 3);
}

TEST(Registry, ScopeKeySwitchesTheScopeForOneBuild) {
  Trees t;
  ScopeGuard scope("mmengine");
  EXPECT_EQ(t.root.build(cfg("dict(type='Gear', _scope_='mmpretrain')"))->size, 7);
  EXPECT_EQ(DefaultScope::current(), "mmengine");
}

TEST(Registry, WrongTypeOfArgumentNamesTheKey) {
  Trees t;
  try {
    t.root.build(cfg("dict(type='Gear', size='big')"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'size'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mmcpp::registry
