// Exposes OpenBLAS's CBLAS interface (cblas_sgemm & co.) and its thread controls to Swift.
#include <cblas.h>
