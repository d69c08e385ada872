// libjpeg-turbo (TurboJPEG API) for Swift.
#include <turbojpeg.h>
