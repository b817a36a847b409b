#pragma once
// Signal masks changed for a scope.

#include <initializer_list>
#include <signal.h>

namespace pprotect::sys {

// The set of the given signals.
[[nodiscard]] sigset_t signal_set(std::initializer_list<int> signals);

// Changes the calling thread's signal mask (how: SIG_BLOCK, SIG_UNBLOCK or
// SIG_SETMASK) for its lifetime; the previous mask comes back when it goes.
class SignalMaskScope {
public:
  SignalMaskScope(int how, const sigset_t& set);
  ~SignalMaskScope();
  SignalMaskScope(const SignalMaskScope&) = delete;
  SignalMaskScope& operator=(const SignalMaskScope&) = delete;

private:
  sigset_t m_previous{};
  bool m_active = false;
};

} // namespace pprotect::sys
