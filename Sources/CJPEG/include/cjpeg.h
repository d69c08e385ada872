// libjpeg-turbo (TurboJPEG API) for Swift: the header's functions are called directly from Swift.
#ifndef CJPEG_H
#define CJPEG_H
#include <turbojpeg.h>
#endif
