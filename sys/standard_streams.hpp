#pragma once
// Descriptors 0, 1 and 2 that were closed when we started.
//
// A program started with its stdout closed (`cmd >&-`) gets, from its next
// open(), pipe() or signalfd(), a descriptor numbered 1: the protected file,
// a temp file being written, the supervisor's signalfd or a relay's pipe
// would then be taken for standard output, by us or by the child. So each
// closed one is held first thing by a placeholder: the read end of a pipe
// whose write end is gone (reads see end of input, writes fail with EBADF
// as on a closed descriptor; no file system needed, so a scratch image
// works), close-on-exec (a child finds it closed, as it was).

namespace pprotect::sys {

// Holds each of 0-2 that is closed. Call before anything opens a
// descriptor. Best effort: when no pipe can be had, nothing is held.
void hold_closed_standard_streams() noexcept;

// Whether fd (0-2) was closed when we started: held by a placeholder (a
// standard stream inherited across exec cannot be close-on-exec), or still
// closed.
[[nodiscard]] bool standard_stream_was_closed(int fd) noexcept;

} // namespace pprotect::sys
