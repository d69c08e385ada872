// HDF5 (serial) for Swift. HDF5 hides type ids and flags behind macros that expand to
// function calls (H5T_NATIVE_FLOAT -> H5open() + a global); these wrappers make them callable.
// Swift importers do not see the C target's -I flag, so fall back to Debian's serial HDF5 location.
#if __has_include(<hdf5.h>)
#include <hdf5.h>
#else
#include "/usr/include/hdf5/serial/hdf5.h"
#endif

hid_t chdf5_native_float(void);
hid_t chdf5_native_double(void);
hid_t chdf5_native_int32(void);
hid_t chdf5_native_int64(void);
hid_t chdf5_native_uint8(void);
hid_t chdf5_c_s1(void);
hid_t chdf5_p_default(void);
hid_t chdf5_p_dataset_create(void);
hid_t chdf5_p_file_access(void);
hid_t chdf5_s_all(void);
unsigned chdf5_acc_trunc(void);
unsigned chdf5_acc_excl(void);
unsigned chdf5_acc_rdonly(void);
unsigned chdf5_acc_rdwr(void);
hsize_t chdf5_unlimited(void);
/// Silences HDF5's automatic error stack printing (errors are reported as Swift errors instead).
void chdf5_silence_errors(void);
