// Boost.Process v2 in Boost 1.81 must be compiled separately: its
// header-only mode fails to link. This is the one translation unit that holds
// its implementation (BOOST_PROCESS_V2_SEPARATE_COMPILATION is defined for
// every file by standard_settings).
#include <boost/process/v2/src.hpp>
