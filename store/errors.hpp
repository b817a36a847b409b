#pragma once
// The store's errors. They are defined one layer down, in store/yaml, the
// first to throw them (bad YAML), which includes nothing from store/.

#include "store/yaml/errors.hpp"
