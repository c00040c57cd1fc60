#ifndef SWIFT_TENSOR_MPI_SHIM_H
#define SWIFT_TENSOR_MPI_SHIM_H

// A thin layer over an MPI library loaded at run time with dlopen, so that SwiftTensor builds and
// runs without MPI. Every function returns an MPI error code (0 is success) unless said
// otherwise; SWIFTTENSOR_MPI_NOT_LOADED means the library was never loaded.

/// The error code of a call made before `swifttensor_mpi_load` succeeded.
#define SWIFTTENSOR_MPI_NOT_LOADED (-1)

/// The element types the collectives move.
typedef enum {
  swifttensor_mpi_float = 0,
  swifttensor_mpi_double = 1,
  swifttensor_mpi_byte = 2,
} swifttensor_mpi_type;

/// Loads the MPI library: `path` when not NULL, otherwise the first of libmpi.so.40,
/// libmpi.so, libmpich.so.12 and libmpi.so.12 that opens, and resolves the functions the shim
/// uses. Returns 0, or nonzero with a description of what failed in `message` (`capacity`
/// bytes, NUL-terminated). Loading twice returns the first result.
int swifttensor_mpi_load(const char *path, char *message, long capacity);

/// The name of the loaded implementation family: "Open MPI" or "MPICH" (MPICH's ABI, also used
/// by Intel MPI and MVAPICH); an empty string before loading.
const char *swifttensor_mpi_family(void);

/// The path or name the library was opened with; an empty string before loading.
const char *swifttensor_mpi_library(void);

/// Initialises MPI (MPI_Init_thread, MPI_THREAD_FUNNELED) unless it already is, and sets
/// MPI_ERRORS_RETURN on MPI_COMM_WORLD so that failures come back as error codes.
int swifttensor_mpi_initialize(void);

/// MPI_Finalize, when MPI is initialised and not yet finalised.
int swifttensor_mpi_finalize(void);

/// The rank of this process in MPI_COMM_WORLD.
int swifttensor_mpi_rank(int *rank);

/// The number of processes in MPI_COMM_WORLD.
int swifttensor_mpi_size(int *size);

/// MPI_Barrier on MPI_COMM_WORLD.
int swifttensor_mpi_barrier(void);

/// MPI_Bcast of `count` elements from `root`, split into calls of at most 2^30 elements.
int swifttensor_mpi_broadcast(void *buffer, long count, swifttensor_mpi_type type, int root);

/// In-place MPI_Allreduce with MPI_SUM of `count` floats or doubles, split like the broadcast.
int swifttensor_mpi_allreduce_sum(void *buffer, long count, swifttensor_mpi_type type);

/// MPI_Abort on MPI_COMM_WORLD: stops every process of the job. Does not return when MPI is
/// loaded; otherwise exits with `code`.
void swifttensor_mpi_abort(int code);

/// Writes MPI's description of `code` into `message` (`capacity` bytes, NUL-terminated).
void swifttensor_mpi_error_string(int code, char *message, long capacity);

/// Sets the longest a collective may wait, in seconds; 0 (the default) waits forever. When a
/// collective waits longer, a watchdog thread prints a message naming the collective and the
/// rank to standard error and exits the process with status 70, which makes mpirun stop the
/// other processes of the job.
void swifttensor_mpi_set_timeout(double seconds);

#endif
