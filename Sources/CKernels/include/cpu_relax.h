// A spin-wait hint for the worker pool's short busy waits (PAUSE on x86-64).
#ifndef CKERNELS_CPU_RELAX_H
#define CKERNELS_CPU_RELAX_H
static inline void dk_cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#endif
}
#endif
