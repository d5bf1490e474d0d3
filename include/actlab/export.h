// actlab/export.h — symbol visibility for libactlab.
#ifndef ACTLAB_EXPORT_H_
#define ACTLAB_EXPORT_H_

#if defined(ACTLAB_SHARED) && defined(_WIN32)
#ifdef ACTLAB_BUILDING
#define ACTLAB_API __declspec(dllexport)
#else
#define ACTLAB_API __declspec(dllimport)
#endif
#elif defined(ACTLAB_SHARED)
#define ACTLAB_API __attribute__((visibility("default")))
#else
#define ACTLAB_API
#endif

#endif  // ACTLAB_EXPORT_H_
