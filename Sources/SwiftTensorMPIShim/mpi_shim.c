// Run-time binding to Open MPI or an MPICH-ABI library (the approach of Julia's MPI.jl).
//
// The two families differ in what a handle is. Open MPI's MPI_Comm, MPI_Datatype, MPI_Op and
// MPI_Errhandler are pointers to global objects exported by libmpi (ompi_mpi_comm_world, ...),
// found here with dlsym; MPI_IN_PLACE is (void *)1. MPICH's handles are 32-bit integers fixed by
// its ABI (MPI_COMM_WORLD is 0x44000000, ...); MPI_IN_PLACE is (void *)-1. The functions are
// called through pointer types matching each family's prototypes.
#define _GNU_SOURCE
#include "mpi_shim_internal.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct swifttensor_mpi_state mpi;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *requested_path;

static int resolve(void *handle, const char *name, void **slot) {
  *slot = dlsym(handle, name);
  if (*slot == NULL) {
    snprintf(mpi.load_message, sizeof mpi.load_message, "%s has no symbol %s", mpi.library, name);
    return 1;
  }
  return 0;
}

static void load_library(void) {
  static const char *candidates[] = {"libmpi.so.40", "libmpi.so", "libmpich.so.12",
                                     "libmpi.so.12"};
  void *handle = NULL;
  // RTLD_GLOBAL: Open MPI's plug-ins resolve libmpi's symbols from the global scope.
  if (requested_path != NULL && requested_path[0] != '\0') {
    handle = dlopen(requested_path, RTLD_NOW | RTLD_GLOBAL);
    snprintf(mpi.library, sizeof mpi.library, "%s", requested_path);
    if (handle == NULL) {
      const char *reason = dlerror();
      snprintf(mpi.load_message, sizeof mpi.load_message, "cannot open %s: %s", requested_path,
               reason ? reason : "unknown reason");
      mpi.load_status = 1;
      return;
    }
  } else {
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0] && handle == NULL; i++) {
      handle = dlopen(candidates[i], RTLD_NOW | RTLD_GLOBAL);
      if (handle != NULL) snprintf(mpi.library, sizeof mpi.library, "%s", candidates[i]);
    }
    if (handle == NULL) {
      snprintf(mpi.load_message, sizeof mpi.load_message,
               "none of libmpi.so.40, libmpi.so, libmpich.so.12 or libmpi.so.12 could be opened");
      mpi.load_status = 1;
      return;
    }
  }
  mpi.family = dlsym(handle, "ompi_mpi_comm_world") != NULL ? family_openmpi : family_mpich;
  int failed = resolve(handle, "MPI_Init_thread", &mpi.init_thread) ||
               resolve(handle, "MPI_Initialized", &mpi.initialized) ||
               resolve(handle, "MPI_Finalized", &mpi.finalized) ||
               resolve(handle, "MPI_Finalize", &mpi.finalize) ||
               resolve(handle, "MPI_Comm_rank", &mpi.comm_rank) ||
               resolve(handle, "MPI_Comm_size", &mpi.comm_size) ||
               resolve(handle, "MPI_Barrier", &mpi.barrier) ||
               resolve(handle, "MPI_Bcast", &mpi.bcast) ||
               resolve(handle, "MPI_Allreduce", &mpi.allreduce) ||
               resolve(handle, "MPI_Comm_set_errhandler", &mpi.set_errhandler) ||
               resolve(handle, "MPI_Abort", &mpi.abort) ||
               resolve(handle, "MPI_Error_string", &mpi.error_string);
  if (!failed && mpi.family == family_openmpi) {
    failed = resolve(handle, "ompi_mpi_comm_world", &mpi.o_world) ||
             resolve(handle, "ompi_mpi_float", &mpi.o_types[swifttensor_mpi_float]) ||
             resolve(handle, "ompi_mpi_double", &mpi.o_types[swifttensor_mpi_double]) ||
             resolve(handle, "ompi_mpi_byte", &mpi.o_types[swifttensor_mpi_byte]) ||
             resolve(handle, "ompi_mpi_op_sum", &mpi.o_sum) ||
             resolve(handle, "ompi_mpi_errors_return", &mpi.o_errors_return);
  }
  if (failed) {
    mpi.family = family_none;
    mpi.load_status = 1;
  }
}

int swifttensor_mpi_load(const char *path, char *message, long capacity) {
  requested_path = path;
  pthread_once(&load_once, load_library);
  if (mpi.load_status != 0 && message != NULL && capacity > 0) {
    snprintf(message, (size_t)capacity, "%s", mpi.load_message);
  }
  return mpi.load_status;
}

const char *swifttensor_mpi_family(void) {
  return mpi.family == family_openmpi ? "Open MPI" : mpi.family == family_mpich ? "MPICH" : "";
}

const char *swifttensor_mpi_library(void) { return mpi.family == family_none ? "" : mpi.library; }

// The watchdog: the deadline of the collective in progress (0: none), in CLOCK_MONOTONIC ns.
static _Atomic int64_t deadline_ns;
static _Atomic int64_t timeout_ns;
static _Atomic(const char *) current_collective;
int swifttensor_mpi_world_rank = -1;
static pthread_once_t watchdog_once = PTHREAD_ONCE_INIT;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void *watchdog(void *unused) {
  (void)unused;
  for (;;) {
    struct timespec pause = {0, 100000000};
    nanosleep(&pause, NULL);
    int64_t deadline = atomic_load(&deadline_ns);
    if (deadline != 0 && now_ns() > deadline) {
      fprintf(stderr,
              "SwiftTensor: rank %d waited more than %.1f s in %s: another process of the job "
              "has probably failed; stopping this one\n",
              swifttensor_mpi_world_rank, (double)atomic_load(&timeout_ns) / 1e9, atomic_load(&current_collective));
      fflush(stderr);
      _exit(70);
    }
  }
  return NULL;
}

static void start_watchdog(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, watchdog, NULL) == 0) pthread_detach(thread);
}

void swifttensor_mpi_set_timeout(double seconds) {
  atomic_store(&timeout_ns, seconds > 0 ? (int64_t)(seconds * 1e9) : 0);
  if (seconds > 0) pthread_once(&watchdog_once, start_watchdog);
}

void swifttensor_mpi_enter(const char *name) {
  int64_t timeout = atomic_load(&timeout_ns);
  if (timeout == 0) return;
  atomic_store(&current_collective, name);
  atomic_store(&deadline_ns, now_ns() + timeout);
}

void swifttensor_mpi_leave(void) { atomic_store(&deadline_ns, 0); }
