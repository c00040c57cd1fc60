// The MPI calls, each dispatched on the loaded family's calling convention (see mpi_shim.c).
#include <stdio.h>
#include <stdlib.h>

#include "mpi_shim_internal.h"

#define OPENMPI (mpi.family == family_openmpi)
#define LOADED_OR_FAIL \
  if (mpi.family == family_none) return SWIFTTENSOR_MPI_NOT_LOADED

static int mpich_type(swifttensor_mpi_type type) {
  return type == swifttensor_mpi_float ? MPICH_FLOAT
         : type == swifttensor_mpi_double ? MPICH_DOUBLE
                                          : MPICH_BYTE;
}

static long element_size(swifttensor_mpi_type type) {
  return type == swifttensor_mpi_float ? 4 : type == swifttensor_mpi_double ? 8 : 1;
}

int swifttensor_mpi_initialize(void) {
  LOADED_OR_FAIL;
  int initialized = 0;
  int status = ((flag_fn)mpi.initialized)(&initialized);
  if (status != 0) return status;
  if (!initialized) {
    // Open MPI's shared-memory transport sends up to 4 KiB eagerly and larger messages by a
    // rendezvous (one more round trip): a small model's whole gradient bucket (a few KiB to
    // tens of KiB) then pays that on every step. 32 KiB, unless the user set it (`mpirun
    // --mca` passes these variables to the processes): `vader` is the transport's name in
    // Open MPI 4, `sm` in 5. Read by MPI_Init_thread; MPICH ignores them.
    if (OPENMPI) {
      setenv("OMPI_MCA_btl_vader_eager_limit", "32768", 0);
      setenv("OMPI_MCA_btl_sm_eager_limit", "32768", 0);
    }
    int provided = 0;
    status = ((init_thread_fn)mpi.init_thread)(NULL, NULL, THREAD_FUNNELED, &provided);
    if (status != 0) return status;
  }
  status = OPENMPI ? ((o_set_errhandler_fn)mpi.set_errhandler)(mpi.o_world, mpi.o_errors_return)
                   : ((m_set_errhandler_fn)mpi.set_errhandler)(MPICH_COMM_WORLD,
                                                               MPICH_ERRORS_RETURN);
  if (status != 0) return status;
  return swifttensor_mpi_rank(&swifttensor_mpi_world_rank);
}

int swifttensor_mpi_finalize(void) {
  LOADED_OR_FAIL;
  int initialized = 0, finalized = 0;
  ((flag_fn)mpi.initialized)(&initialized);
  ((flag_fn)mpi.finalized)(&finalized);
  if (!initialized || finalized) return 0;
  return ((void_fn)mpi.finalize)();
}

int swifttensor_mpi_rank(int *rank) {
  LOADED_OR_FAIL;
  return OPENMPI ? ((o_comm_int_fn)mpi.comm_rank)(mpi.o_world, rank)
                 : ((m_comm_int_fn)mpi.comm_rank)(MPICH_COMM_WORLD, rank);
}

int swifttensor_mpi_size(int *size) {
  LOADED_OR_FAIL;
  return OPENMPI ? ((o_comm_int_fn)mpi.comm_size)(mpi.o_world, size)
                 : ((m_comm_int_fn)mpi.comm_size)(MPICH_COMM_WORLD, size);
}

int swifttensor_mpi_barrier(void) {
  LOADED_OR_FAIL;
  swifttensor_mpi_enter("MPI_Barrier");
  int status = OPENMPI ? ((o_comm_fn)mpi.barrier)(mpi.o_world)
                       : ((m_comm_fn)mpi.barrier)(MPICH_COMM_WORLD);
  swifttensor_mpi_leave();
  return status;
}

int swifttensor_mpi_broadcast(void *buffer, long count, swifttensor_mpi_type type, int root) {
  LOADED_OR_FAIL;
  int status = 0;
  char *bytes = buffer;
  swifttensor_mpi_enter("MPI_Bcast");
  for (long start = 0; start < count && status == 0; start += CHUNK) {
    int n = (int)(count - start < CHUNK ? count - start : CHUNK);
    void *chunk = bytes + start * element_size(type);
    status = OPENMPI
                 ? ((o_bcast_fn)mpi.bcast)(chunk, n, mpi.o_types[type], root, mpi.o_world)
                 : ((m_bcast_fn)mpi.bcast)(chunk, n, mpich_type(type), root, MPICH_COMM_WORLD);
  }
  swifttensor_mpi_leave();
  return status;
}

int swifttensor_mpi_allreduce_sum(void *buffer, long count, swifttensor_mpi_type type) {
  LOADED_OR_FAIL;
  int status = 0;
  char *bytes = buffer;
  swifttensor_mpi_enter("MPI_Allreduce");
  for (long start = 0; start < count && status == 0; start += CHUNK) {
    int n = (int)(count - start < CHUNK ? count - start : CHUNK);
    void *chunk = bytes + start * element_size(type);
    status = OPENMPI ? ((o_allreduce_fn)mpi.allreduce)((void *)1, chunk, n, mpi.o_types[type],
                                                       mpi.o_sum, mpi.o_world)
                     : ((m_allreduce_fn)mpi.allreduce)((void *)-1, chunk, n, mpich_type(type),
                                                       MPICH_SUM, MPICH_COMM_WORLD);
  }
  swifttensor_mpi_leave();
  return status;
}

void swifttensor_mpi_abort(int code) {
  if (mpi.family != family_none) {
    fflush(stdout);
    fflush(stderr);
    if (OPENMPI) {
      ((o_abort_fn)mpi.abort)(mpi.o_world, code);
    } else {
      ((m_abort_fn)mpi.abort)(MPICH_COMM_WORLD, code);
    }
  }
  exit(code);
}

void swifttensor_mpi_error_string(int code, char *message, long capacity) {
  if (capacity <= 0) return;
  if (mpi.family == family_none) {
    snprintf(message, (size_t)capacity, "MPI is not loaded");
    return;
  }
  // MPI_MAX_ERROR_STRING is 256 in Open MPI and 1024 in MPICH.
  char text[1024] = {0};
  int length = 0;
  if (((error_string_fn)mpi.error_string)(code, text, &length) != 0) {
    snprintf(text, sizeof text, "MPI error %d", code);
  }
  snprintf(message, (size_t)capacity, "%s", text);
}
