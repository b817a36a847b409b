#pragma once
// Keeping the supervisor small while the child runs.

namespace pprotect::supervisor {

// Gives back free heap memory (malloc_trim) and drops from our page tables
// the clean, read-only pages of mapped files (program and library text),
// which the kernel pages back in from the page cache if they are touched
// again. Most of a dynamically linked C++ program's resident set is such
// pages, touched once by the dynamic linker and start-up, never again by a
// supervisor that sits in epoll_wait. (Pages never touched are faulted in
// from the same files anyway: a library overwritten in place, rather than
// replaced by rename as packages do, breaks any process, dropped pages or not.)
void release_memory();

} // namespace pprotect::supervisor
