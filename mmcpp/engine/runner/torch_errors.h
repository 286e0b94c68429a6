// LibTorch errors raised inside components (model code, hooks, metrics).
//
// A c10::Error's what() carries LibTorch's C++ backtrace, which means nothing to
// a user of a config. Where the engine calls a component, such an error becomes
// an mmcpp::Error("RuntimeError", "<component>: <LibTorch's message>") with the
// c10::Error nested inside it (std::throw_with_nested), so `mmcpp --debug` can
// still print the backtrace.
#pragma once

#include <c10/util/Exception.h>

#include <exception>
#include <string>
#include <utility>

#include "mmcpp/core/error.h"

namespace mmcpp::engine {

// Call inside `catch (const c10::Error& e)`: rethrows as described above.
[[noreturn]] inline void rethrow_torch_error(const c10::Error& e, const std::string& component) {
  std::throw_with_nested(Error("RuntimeError", component + ": " + e.what_without_backtrace()));
}

// Runs `f`; a c10::Error from it is rethrown as described above.
template <class F>
decltype(auto) with_component(const std::string& component, F&& f) {
  try {
    return std::forward<F>(f)();
  } catch (const c10::Error& e) {
    rethrow_torch_error(e, component);
  }
}

}  // namespace mmcpp::engine
