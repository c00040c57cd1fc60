#include "SwiftTensorCKernels.h"

#include <sched.h>
#include <stdatomic.h>

// Sequentially consistent operations on a word shared between threads, for the GEMM worker
// pool's spin-then-park handshake (Swift's own atomics need a newer Apple OS than the package
// supports, and a dependency is not allowed).

long swifttensor_atomic_load(long *word) {
  return atomic_load((_Atomic long *)word);
}

void swifttensor_atomic_store(long *word, long value) {
  atomic_store((_Atomic long *)word, value);
}

long swifttensor_atomic_add(long *word, long value) {
  return atomic_fetch_add((_Atomic long *)word, value);
}

long swifttensor_atomic_exchange(long *word, long value) {
  return atomic_exchange((_Atomic long *)word, value);
}

void swifttensor_spin_pause(long round) {
  if (round % 64 == 63) {
    sched_yield();  // let another thread of ours run if the cores are oversubscribed
    return;
  }
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}
