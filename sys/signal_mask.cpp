#include "sys/signal_mask.hpp"

#include <pthread.h>

namespace pprotect::sys {

sigset_t signal_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (const int signal_number : signals) {
    sigaddset(&set, signal_number);
  }
  return set;
}

SignalMaskScope::SignalMaskScope(int how, const sigset_t& set) {
  m_active = pthread_sigmask(how, &set, &m_previous) == 0;
}

SignalMaskScope::~SignalMaskScope() {
  if (m_active) {
    pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
  }
}

} // namespace pprotect::sys
