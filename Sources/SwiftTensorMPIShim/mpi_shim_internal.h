// Declarations shared by the shim's two files; not part of the public header.
#ifndef SWIFT_TENSOR_MPI_SHIM_INTERNAL_H
#define SWIFT_TENSOR_MPI_SHIM_INTERNAL_H

#include "SwiftTensorMPIShim.h"

enum { family_none, family_openmpi, family_mpich };

// MPICH ABI constants (mpi.h of MPICH 3 and 4).
#define MPICH_COMM_WORLD 0x44000000
#define MPICH_BYTE 0x4c00010d
#define MPICH_FLOAT 0x4c00040a
#define MPICH_DOUBLE 0x4c00080b
#define MPICH_SUM 0x58000003
#define MPICH_ERRORS_RETURN 0x54000001

#define THREAD_FUNNELED 1
#define CHUNK (1L << 30)

typedef int (*init_thread_fn)(int *, char ***, int, int *);
typedef int (*flag_fn)(int *);
typedef int (*void_fn)(void);
typedef int (*error_string_fn)(int, char *, int *);
// Open MPI: handles are pointers.
typedef int (*o_comm_int_fn)(void *, int *);
typedef int (*o_comm_fn)(void *);
typedef int (*o_bcast_fn)(void *, int, void *, int, void *);
typedef int (*o_allreduce_fn)(const void *, void *, int, void *, void *, void *);
typedef int (*o_set_errhandler_fn)(void *, void *);
typedef int (*o_abort_fn)(void *, int);
// MPICH: handles are ints.
typedef int (*m_comm_int_fn)(int, int *);
typedef int (*m_comm_fn)(int);
typedef int (*m_bcast_fn)(void *, int, int, int, int);
typedef int (*m_allreduce_fn)(const void *, void *, int, int, int, int);
typedef int (*m_set_errhandler_fn)(int, int);
typedef int (*m_abort_fn)(int, int);

struct swifttensor_mpi_state {
  int family;
  int load_status;
  char load_message[512];
  char library[256];
  void *init_thread, *initialized, *finalized, *finalize, *comm_rank, *comm_size, *barrier,
      *bcast, *allreduce, *set_errhandler, *abort, *error_string;
  void *o_world, *o_types[3], *o_sum, *o_errors_return;
};
extern struct swifttensor_mpi_state mpi;

/// Marks the start of a collective for the watchdog.
void swifttensor_mpi_enter(const char *name);
/// Marks its end.
void swifttensor_mpi_leave(void);
/// The rank named in the watchdog's message.
extern int swifttensor_mpi_world_rank;


#endif
